import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface CompositeMapper {
  type: { modelProperties: Record<string, unknown> };
}

/**
 * botframework-connector serialises outgoing entities through a fixed mapper that knows only
 * `type`, `text` and `mentioned`, so the schema.org fields of Teams' "AI generated" label would be
 * dropped on the wire. Teach the mapper those fields (once, idempotent). The mapper module is not
 * re-exported by the package root, hence the deep require. Remove when the SDK serialises them.
 */
export function allowAiLabelEntityFields(): void {
  const mappers = require('botframework-connector/lib/connectorApi/models/mappers') as { Entity: CompositeMapper };
  const props = mappers.Entity.type.modelProperties;
  const str = { type: { name: 'String' } };
  props['@type'] ??= { serializedName: '@type', ...str };
  props['@context'] ??= { serializedName: '@context', ...str };
  props.additionalType ??= { serializedName: 'additionalType', type: { name: 'Sequence', element: str } };
}
