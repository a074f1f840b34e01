/**
 * A Date as a raw-SQL parameter for Prisma's DateTime columns (`timestamp(3)`, UTC wall time):
 * cast with `::timestamp` in the statement.
 */
export function sqlTime(d: Date): string {
  return d.toISOString().slice(0, -1);
}
