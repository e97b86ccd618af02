/**
 * Adding or changing a CRM connection. New ones start from a preset (Salesforce, Propstack, HubSpot,
 * Pipedrive, generic REST): the preset picks the CRM type and, for REST CRMs, the shipped templates;
 * the type's options form comes from the schema GET /api/v1/crm/connections lists. Journaling rules
 * are the connection's own switches.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useConnectorTexts } from '../../i18n/connector-texts.ts';
import { collectOptions, initialValues, SchemaFields, type JsonSchema } from '../../schema-form.tsx';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';

export type CrmType = { type: string; title: string; options: JsonSchema; secretOptions: string[] };
export type Journal = { enabled: boolean; unknownCallers: boolean; missedCalls: boolean; language: 'de' | 'en'; createAccountForUnknown: boolean; unmappedExtensions: boolean };
export type CrmConnection = { id: string; type: string; name: string; enabled: boolean; lookup: boolean; journal: Journal; options: Record<string, unknown>; secretsSet: string[]; capabilities: Record<string, boolean> | null };

export const PRESETS = [
  { id: 'salesforce', title: 'Salesforce', type: 'salesforce', preset: undefined },
  { id: 'propstack', title: 'Propstack', type: 'rest', preset: 'propstack' },
  { id: 'hubspot', title: 'HubSpot', type: 'rest', preset: 'hubspot' },
  { id: 'pipedrive', title: 'Pipedrive', type: 'rest', preset: 'pipedrive' },
  { id: 'rest', title: 'REST', type: 'rest', preset: undefined },
] as const;

const DEFAULT_JOURNAL: Journal = { enabled: true, unknownCallers: true, missedCalls: true, language: 'de', createAccountForUnknown: false, unmappedExtensions: true };
const SWITCHES = ['enabled', 'unknownCallers', 'missedCalls', 'createAccountForUnknown', 'unmappedExtensions'] as const;

export function CrmEditor({ connection, preset, types, onClose, onSaved }: { connection: CrmConnection | null; preset: (typeof PRESETS)[number]; types: CrmType[]; onClose(): void; onSaved(): void }) {
  const { t } = useApp();
  const texts = useConnectorTexts();
  const toast = useToast();
  const type = types.find((x) => x.type === (connection?.type ?? preset.type));
  const [name, setName] = useState(connection?.name ?? preset.title);
  const [enabled, setEnabled] = useState(connection?.enabled ?? true);
  const [lookup, setLookup] = useState(connection?.lookup ?? true);
  const [journal, setJournal] = useState<Journal>(connection?.journal ?? DEFAULT_JOURNAL);
  const [values, setValues] = useState(() => (type ? initialValues(type.options, type.secretOptions, connection?.options ?? (preset.preset ? { preset: preset.preset } : {})) : {}));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!type) return;
    let options: Record<string, unknown>;
    try {
      options = collectOptions(type.options, type.secretOptions, values);
    } catch (err) {
      return toast.error(t('schema.badJson', { field: (err as Error).message }));
    }
    const body = { name: name.trim(), enabled, lookup, journal, options };
    try {
      if (connection) await api('PATCH', `/api/v1/crm/connections/${encodeURIComponent(connection.id)}`, body);
      else await api('POST', '/api/v1/crm/connections', { ...body, type: type.type });
      toast.success(t('common.saved'));
      onSaved();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal modal-wide card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={t('crm.editor')}>
        <h2>{connection ? connection.name : t('crm.new', { preset: preset.title })}</h2>
        <div className="form-grid">
          <label className="field">
            <span>{t('col.name')}</span>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          </label>
          <div className="field">
            <span>{type && texts.typeName('crm', type.type, type.title)}</span>
            <div>
              <label className="check check-spaced">
                <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
                {t('common.enabled')}
              </label>
              <label className="check check-spaced">
                <input type="checkbox" name="lookup" checked={lookup} onChange={(e) => setLookup(e.target.checked)} />
                {t('crm.lookup')}
              </label>
            </div>
          </div>
        </div>
        <fieldset className="numbers">
          <legend>{t('crm.journal')}</legend>
          {SWITCHES.map((k) => (
            <label className="check check-spaced" key={k}>
              <input type="checkbox" checked={journal[k]} onChange={(e) => setJournal({ ...journal, [k]: e.target.checked })} />
              {t(`crm.journal.${k}`)}
            </label>
          ))}
          <label className="check check-spaced">
            {t('crm.journal.language')}
            <select value={journal.language} onChange={(e) => setJournal({ ...journal, language: e.target.value as Journal['language'] })}>
              <option value="de">Deutsch</option>
              <option value="en">English</option>
            </select>
          </label>
        </fieldset>
        <h3 className="card-title">{t('schema.options')}</h3>
        {values.preset && <p className="muted small">{t('crm.presetHint')}</p>}
        {type && <SchemaFields group="crm" type={type.type} schema={type.options} secrets={type.secretOptions} secretsSet={connection?.secretsSet} values={values} onChange={setValues} />}
        <div className="modal-actions">
          <button className="btn" type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button className="btn btn-primary" type="submit">
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
