// Dev tool: prints the SQL that takes the schema from the migrations folder (or from nothing,
// with --from-empty) to prisma/schema.prisma, computed by Prisma's schema engine compiled to
// WebAssembly over an in-memory PGlite. Paste its output into a new migration and hand-edit
// what Prisma cannot express (generated columns, triggers, partial and expression indexes).
// Usage: npx tsx scripts/migration-diff.ts [--from-empty]
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as SchemaEngineBg from '@prisma/schema-engine-wasm/schema_engine_bg';

// The package imports its .wasm as an ES module, which Node cannot do: instantiate it by hand.
async function loadSchemaEngine() {
  const dir = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'), '..');
  const bg = (await import(join(dir, 'schema_engine_bg.js'))) as typeof SchemaEngineBg;
  const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'schema_engine_bg.wasm')), {
    './schema_engine_bg.js': bg,
  });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  return bg.SchemaEngine;
}

async function main() {
  const root = join(__dirname, '..');
  const schemaPath = join(root, 'prisma/schema.prisma');
  const datamodel = readFileSync(schemaPath, 'utf8');
  const migrationsDir = join(root, 'prisma/migrations');
  // The engine expects the Result-wrapped adapter that Prisma's CLI builds.
  // The migrations create pg_trgm, which PGlite loads only when asked: the adapter's own shadow
  // database (where the engine replays them) would not have it.
  class WithExtensions extends PrismaPGlite {
    connectToShadowDb() {
      return new PrismaPGlite(new PGlite({ extensions: { pg_trgm } })).connect();
    }
  }
  const adapter = bindMigrationAwareSqlAdapterFactory(new WithExtensions(new PGlite({ extensions: { pg_trgm } })));
  const SchemaEngine = await loadSchemaEngine();
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, datamodel]] }, (log: string) => process.env.DEBUG && console.error(log), adapter);
  const fromEmpty = process.argv.includes('--from-empty') || !existsSync(migrationsDir);
  const from: SchemaEngineBg.DiffTarget = fromEmpty
    ? { tag: 'empty' }
    : {
        tag: 'migrations',
        baseDir: migrationsDir,
        lockfile: { path: 'migration_lock.toml', content: readFileSync(join(migrationsDir, 'migration_lock.toml'), 'utf8') },
        shadowDbInitScript: '',
        migrationDirectories: readdirSync(migrationsDir)
          .filter((d) => existsSync(join(migrationsDir, d, 'migration.sql')))
          .sort()
          .map((d) => ({
            path: d,
            migrationFile: {
              path: 'migration.sql',
              content: { tag: 'ok', value: readFileSync(join(migrationsDir, d, 'migration.sql'), 'utf8') },
            },
          })),
      };
  const result = await engine.diff({
    from,
    to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: datamodel }] },
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  process.stdout.write(result.stdout ?? '');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
