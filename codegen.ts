import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema';

// `npm run codegen`: prints the Pothos schema (built in code) to schema.graphql, which is
// committed so integrators and reviewers can read the API without running anything.
const config: CodegenConfig = {
  schema: printSchema(schema),
  generates: {
    'schema.graphql': { plugins: ['schema-ast'] },
  },
};

export default config;
