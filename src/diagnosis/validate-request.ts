import type { Db } from '../storage/index.js';
import { closestMatches } from './closest.js';
import { getAsset, getFaultCode, listAssetIds, listFaultCodes, type Asset, type FaultCode } from './asset-store.js';
import { FAULT_CODE } from './parse-command.js';

export type ValidatedRequest =
  | { ok: true; asset: Asset; fault: FaultCode | null; symptom: string }
  | { ok: false; message: string };

/**
 * Checks a `/diagnose` request against the registry before anything is enqueued: the asset must
 * exist, and a token that looks like a fault code must be in the catalogue for the asset's model.
 * Errors name the closest matches.
 */
export async function validateDiagnoseRequest(db: Pick<Db, 'query'>, assetId: string, rest: string): Promise<ValidatedRequest> {
  const asset = await getAsset(db, assetId);
  if (!asset) {
    const near = closestMatches(assetId, await listAssetIds(db));
    return { ok: false, message: `I don't know asset \`${assetId}\`.${near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : ' Ask an admin to import it with `npm run assets -- import`.'}` };
  }
  const [first = '', ...more] = rest.split(/\s+/);
  if (!FAULT_CODE.test(first)) return { ok: true, asset, fault: null, symptom: rest };
  const fault = await getFaultCode(db, asset.model, first);
  if (!fault) {
    const near = closestMatches(first.toUpperCase(), await listFaultCodes(db, asset.model));
    return { ok: false, message: `Fault code \`${first}\` is not in the catalogue for ${asset.model} (${asset.id}).${near.length ? ` Closest: ${near.map((n) => `\`${n}\``).join(', ')}.` : ''} Describe the symptom instead, or ask an admin to import the code.` };
  }
  return { ok: true, asset, fault, symptom: more.join(' ') || fault.meaning };
}
