/** Prisma's code for a unique-constraint violation, also when it comes from a driver adapter. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return e?.code === 'P2002' || e?.meta?.driverAdapterError?.cause?.originalCode === '23505' || e?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return e?.code === 'P2003' || e?.meta?.driverAdapterError?.cause?.originalCode === '23503' || e?.meta?.driverAdapterError?.cause?.kind === 'ForeignKeyConstraintViolation';
}
