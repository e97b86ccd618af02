/**
 * Adding or changing a PBX connection (Asterisk AMI …): type (fixed once created), name, enabled and
 * the type's options, as a form generated from the schema GET /api/v1/connectors lists. The server
 * applies a change at once: the connection reconnects with the new options.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { collectOptions, initialValues, SchemaFields, TypeAndName, type JsonSchema } from '../schema-form.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

export type ConnectorType = { type: string; options: JsonSchema; secretOptions: string[] };
export type EditableConnection = { id: string; type: string; name: string; enabled: boolean; options: Record<string, unknown>; secretsSet: string[] };

export function ConnectionEditor({ connection, types, onClose, onSaved }: { connection: EditableConnection | null; types: ConnectorType[]; onClose(): void; onSaved(): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [typeId, setTypeId] = useState(connection?.type ?? types[0]?.type ?? '');
  const type = types.find((x) => x.type === typeId);
  const [name, setName] = useState(connection?.name ?? '');
  const [enabled, setEnabled] = useState(connection?.enabled ?? true);
  const [values, setValues] = useState(() => (type ? initialValues(type.options, type.secretOptions, connection?.options) : {}));

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
    // The connectors API takes the type's options at the top level of the body.
    const body = { ...options, name: name.trim(), enabled };
    try {
      if (connection) await api('PATCH', `/api/v1/connectors/${encodeURIComponent(connection.id)}`, body);
      else await api('POST', '/api/v1/connectors', { ...body, type: type.type });
      toast.success(t('common.saved'));
      onSaved();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={t('connections.editor')}>
        <h2>{connection ? connection.name : t('connections.new')}</h2>
        <div className="form-grid">
          <TypeAndName group="pbx" types={types} typeId={typeId} onType={changeType} locked={connection !== null} name={name} onName={setName} />
        </div>
        <label className="check field">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t('common.enabled')}
        </label>
        <h3 className="card-title">{t('schema.options')}</h3>
        {type && <SchemaFields group="pbx" type={type.type} schema={type.options} secrets={type.secretOptions} secretsSet={connection?.secretsSet} values={values} onChange={setValues} />}
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
