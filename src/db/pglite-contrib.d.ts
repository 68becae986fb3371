// PGlite publishes its extensions as package subpaths ("exports"), which this project's
// node10 module resolution does not read: the same declaration, under the name Node resolves.
declare module '@electric-sql/pglite/contrib/pg_trgm' {
  import type { Extension } from '@electric-sql/pglite';
  export const pg_trgm: Extension;
}
