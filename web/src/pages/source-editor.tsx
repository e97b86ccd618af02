/**
 * Adding or changing a phonebook source: its type (fixed once created), name, interval, enabled, and
 * the type's options as a form generated from the schema GET /api/v1/sources lists with the sources.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { collectOptions, initialValues, SchemaFields, TypeAndName, type JsonSchema } from '../schema-form.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

export type SourceType = { type: string; options: JsonSchema; secretOptions: string[] };
export type EditableSource = { id: string; type: string; name: string; description: string | null; interval: string; enabled: boolean; options: Record<string, unknown>; secretsSet: string[] };

const INTERVALS = ['15m', '1h', '1d', 'off'] as const;

export function SourceEditor({ source, types, onClose, onSaved }: { source: EditableSource | null; types: SourceType[]; onClose(): void; onSaved(): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [typeId, setTypeId] = useState(source?.type ?? types[0]?.type ?? '');
  const type = types.find((x) => x.type === typeId);
  const [name, setName] = useState(source?.name ?? '');
  const [interval, setIntervalValue] = useState(source?.interval ?? '1h');
  const [enabled, setEnabled] = useState(source?.enabled ?? true);
  const [values, setValues] = useState(() => (type ? initialValues(type.options, type.secretOptions, source?.options) : {}));

  const changeType = (id: string) => {
    setTypeId(id);
    const next = types.find((x) => x.type === id);
    if (next) setValues(initialValues(next.options, next.secretOptions));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!type) return;
    let options: Record<string, unknown>;
    try {
      options = collectOptions(type.options, type.secretOptions, values);
    } catch (err) {
      return toast.error(t('schema.badJson', { field: (err as Error).message }));
    }
    const body = { name: name.trim(), interval, enabled, options };
    try {
      if (source) await api('PATCH', `/api/v1/sources/${encodeURIComponent(source.id)}`, body);
      else await api('POST', '/api/v1/sources', { ...body, type: type.type });
      toast.success(t('common.saved'));
      onSaved();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal modal-wide card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={t('sources.editor')}>
        <h2>{source ? source.name : t('sources.new')}</h2>
        <div className="form-grid">
          <TypeAndName group="source" types={types} typeId={typeId} onType={changeType} locked={source !== null} name={name} onName={setName} />
          <label className="field">
            <span>{t('sources.interval')}</span>
            <select name="interval" value={interval} onChange={(e) => setIntervalValue(e.target.value)}>
              {INTERVALS.map((i) => (
                <option key={i} value={i}>
                  {t(`sources.interval.${i}`)}
                </option>
              ))}
            </select>
          </label>
          <div className="field">
            <span>&nbsp;</span>
            <label className="check">
              <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
              {t('common.enabled')}
            </label>
          </div>
        </div>
        <h3 className="card-title">{t('schema.options')}</h3>
        {type && <SchemaFields group="source" type={type.type} schema={type.options} secrets={type.secretOptions} secretsSet={source?.secretsSet} values={values} onChange={setValues} />}
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
