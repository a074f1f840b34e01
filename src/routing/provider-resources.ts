import type { Db } from '../db/client.js';

export type ResourceKind = 'queue' | 'user';

/** A provider's queue or user as last synced: `name` is routing's name for it (a queue) or the login (a user). */
export interface ProviderResource {
  kind: ResourceKind;
  name: string;
  label: string;
  resourceId: string;
  arn: string;
  syncedAt: Date;
}

export interface ProviderResources {
  /**
   * Makes the stored list of one kind exactly `items` (what the provider listed just now):
   * new ones added, changed ones updated, gone ones removed, in one transaction.
   */
  replace(provider: string, kind: ResourceKind, items: Array<Omit<ProviderResource, 'kind' | 'syncedAt'>>, at: Date): Promise<void>;
  list(provider: string, kind: ResourceKind): Promise<ProviderResource[]>;
  byName(provider: string, kind: ResourceKind, name: string): Promise<ProviderResource | undefined>;
  byArn(provider: string, kind: ResourceKind, arn: string): Promise<ProviderResource | undefined>;
}

/** The only writer of `ProviderResource`. */
export function createProviderResources(db: Db): ProviderResources {
  const toResource = (r: { kind: string; name: string; label: string; resourceId: string; arn: string; syncedAt: Date }): ProviderResource => ({
    kind: r.kind as ResourceKind,
    name: r.name,
    label: r.label,
    resourceId: r.resourceId,
    arn: r.arn,
    syncedAt: r.syncedAt,
  });
  return {
    async replace(provider, kind, items, at) {
      await db.$transaction(async (tx) => {
        await tx.providerResource.deleteMany({ where: { provider, kind, name: { notIn: items.map((i) => i.name) } } });
        for (const item of items) {
          const data = { label: item.label, resourceId: item.resourceId, arn: item.arn, syncedAt: at };
          await tx.providerResource.upsert({ where: { provider_kind_name: { provider, kind, name: item.name } }, create: { provider, kind, name: item.name, ...data }, update: data });
        }
      });
    },
    async list(provider, kind) {
      return (await db.providerResource.findMany({ where: { provider, kind }, orderBy: { name: 'asc' } })).map(toResource);
    },
    async byName(provider, kind, name) {
      const row = await db.providerResource.findUnique({ where: { provider_kind_name: { provider, kind, name } } });
      return row ? toResource(row) : undefined;
    },
    async byArn(provider, kind, arn) {
      const row = await db.providerResource.findFirst({ where: { provider, kind, arn } });
      return row ? toResource(row) : undefined;
    },
  };
}
