import { z } from 'zod';

export const ZLanguage = z.enum(['ar', 'en']);
export type TLanguage = z.infer<typeof ZLanguage>;

export const ZCustomerId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : -');

export const ZCustomerInput = z.object({
  name: z.string().trim().min(1).max(200),
  phones: z.array(z.string().min(3).max(64)).min(1).max(10),
  language: ZLanguage.default('ar'),
  tier: z.string().trim().min(1).max(32).default('standard'),
  accountValue: z
    .object({
      amount: z.number().finite().min(0).max(1e13),
      currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as SAR'),
    })
    .optional(),
  externalRef: z.string().max(128).optional(),
});
export type TCustomerInput = z.infer<typeof ZCustomerInput>;

/** The customer as every other module sees it. */
export interface Customer {
  id: string;
  name: string;
  phones: string[];
  language: TLanguage;
  tier: string;
  accountValue?: { amount: number; currency: string };
  externalRef?: string;
  updatedAt: string;
}
