import type DataLoader from 'dataloader';
import { usersByIds } from '../data/users';
import type { User } from '../generated/prisma/client';
import { loader, type LoaderOptions } from './batch';

export interface UserLoaders {
  user: DataLoader<number, User | null>;
}

export const userLoaders = (options: LoaderOptions): UserLoaders => ({ user: loader(options, 'user', usersByIds) });
