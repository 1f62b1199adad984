import { createRequire } from 'node:module';
import type { OpenAPIObject } from '@nestjs/swagger';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

// class-transformer's metadata store (for nested @Type targets) is only exported from its CJS build.
const { defaultMetadataStorage } = createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
  defaultMetadataStorage: object;
};

/** JSON Schemas of every DTO, from the same class-validator rules that validate requests. */
export function validationSchemas(): Record<string, SchemaObject> {
  const schemas = validationMetadatasToSchemas({
    refPointerPrefix: '#/components/schemas/',
    classTransformerMetadataStorage: defaultMetadataStorage as never,
  }) as Record<string, SchemaObject>;
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => name.endsWith('Dto')));
}
