import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema';

// `npm run codegen` writes, from the Pothos schema built in code:
// - schema.graphql, committed so integrators and reviewers can read the API without running it;
// - client/generated/, a typed client (TypedDocumentNode per operation in client/operations/)
//   and persisted-documents.json, the manifest of those operations' hashes.
// A test fails when either is stale.
const config: CodegenConfig = {
  schema: printSchema(schema),
  documents: ['client/operations/*.graphql'],
  generates: {
    'schema.graphql': { plugins: ['schema-ast'] },
    'client/generated/': {
      preset: 'client',
      presetConfig: { persistedDocuments: true, fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
