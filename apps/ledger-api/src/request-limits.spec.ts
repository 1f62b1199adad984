import 'reflect-metadata';
import { validationSchemas } from '../../../libs/http/src/openapi-schemas.js';
import './claims/commands/amend-claim/amend-claim.dto.js';
import './claims/commands/attach-source/attach-source.dto.js';
import './claims/commands/file-claim/file-claim.dto.js';
import './claims/commands/mark-duplicate/mark-duplicate.dto.js';
import './claims/commands/record-testimony/record-testimony.dto.js';
import './claims/commands/record-verification/record-verification.dto.js';
import './claims/commands/record-victim-alive/record-victim-alive.dto.js';
import './claims/commands/record-victim-details/record-victim-details.dto.js';
import './claims/commands/resolve-dispute/resolve-dispute.dto.js';
import './claims/commands/retract-claim/retract-claim.dto.js';
import './exports/export-evidence.dto.js';
import './incidents/commands/link-incident-claims/link-incident-claims.dto.js';
import './incidents/commands/record-incident/record-incident.dto.js';
import './perpetrators/add-perpetrator/add-perpetrator.dto.js';
import './protection/disclose-personal-data/disclose-personal-data.dto.js';
import './protection/disclose-witness-identity/disclose-witness-identity.dto.js';
import './protection/erase-personal-data/erase-personal-data.dto.js';

interface Schema {
  type?: string;
  maxLength?: number;
  maxItems?: number;
  maximum?: number;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
}

/** A string is bounded by a length, a fixed vocabulary, a fixed-size format or an anchored pattern without open repetition. */
const BOUNDED_FORMATS = new Set(['uuid', 'date-time', 'date']);
const boundedPattern = (pattern: string | undefined): boolean =>
  pattern !== undefined && pattern.startsWith('^') && pattern.endsWith('$') && !/[*+]|\{\d+,\}/.test(pattern.replace(/\\./g, ''));

/**
 * Every member of every request DTO has a bound, read from the same class-validator rules that
 * validate requests: strings a MaxLength (or a vocabulary), arrays an ArrayMaxSize, integers a Max
 * (or a vocabulary). The body limit alone would let one member take a megabyte.
 */
describe('request DTO limits', () => {
  const schemas = validationSchemas() as Record<string, Schema>;

  it('covers the command DTOs', () => {
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'ClaimDetailsDto',
        'RecordTestimonyDto',
        'WitnessIdentityDto',
        'RelativeDto',
        'RecordVictimDetailsDto',
        'FamilyContactDto',
        'MedicalDetailsDto',
        'RecordVictimAliveDto',
        'DisclosePersonalDataDto',
        'ExportEvidenceDto',
        'RecordIncidentDto',
        'SourceDto',
      ]),
    );
  });

  it('bounds every string, array and integer member', () => {
    const unbounded: string[] = [];
    const check = (where: string, schema: Schema): void => {
      if (schema.enum) return;
      if (schema.type === 'string' && schema.maxLength === undefined && !BOUNDED_FORMATS.has(schema.format ?? '') && !boundedPattern(schema.pattern)) unbounded.push(`${where}: string without MaxLength`);
      if (schema.type === 'array') {
        if (schema.maxItems === undefined) unbounded.push(`${where}: array without ArrayMaxSize`);
        if (schema.items) check(`${where}[]`, schema.items);
      }
      if (schema.type === 'integer' && schema.maximum === undefined) unbounded.push(`${where}: integer without Max`);
    };
    for (const [name, schema] of Object.entries(schemas)) {
      for (const [member, property] of Object.entries(schema.properties ?? {})) check(`${name}.${member}`, property);
    }
    expect(unbounded).toEqual([]);
  });
});
