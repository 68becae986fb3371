import type { Prisma } from '../generated/prisma/client';

/** Prisma, or a Prisma interactive transaction: every data function runs on either. */
export type Db = Prisma.TransactionClient;
