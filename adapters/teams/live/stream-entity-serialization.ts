import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface CompositeMapper {
  type: { modelProperties: Record<string, unknown> };
}

/**
 * botframework-connector serialises outgoing entities through a fixed mapper (`type`, `text`,
 * `mentioned`), which would drop the fields of Teams' `streaminfo` entity on the wire. Teach the
 * mapper `streamId`, `streamType` and `streamSequence` (once, idempotent).
 */
export function allowStreamInfoEntityFields(): void {
  const mappers = require('botframework-connector/lib/connectorApi/models/mappers') as { Entity: CompositeMapper };
  const props = mappers.Entity.type.modelProperties;
  props.streamId ??= { serializedName: 'streamId', type: { name: 'String' } };
  props.streamType ??= { serializedName: 'streamType', type: { name: 'String' } };
  props.streamSequence ??= { serializedName: 'streamSequence', type: { name: 'Number' } };
}
