/**
 * A form generated from a connector type's options JSON schema (sources, PBX connections): the API
 * owns the schemas, so a new type gets its form without UI changes. Secret options are password
 * fields that are never prefilled (the API never returns them); left empty on edit, the stored
 * secret stays. Lists of strings are one per line; other nested objects and arrays are edited as
 * JSON, since their shapes vary by type. Labels, help and choices are the UI's words for the option
 * (i18n/connector-texts.ts), in the user's language; the inputs keep the option ids as their names.
 */
import { useConnectorTexts, type ConnectorGroup } from './i18n/connector-texts.ts';
import { useApp } from './session.tsx';

export type JsonSchema = {
  type?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
};

/** Form values are strings (inputs) or booleans (checkboxes); converted on collect. */
export type FormValues = Record<string, string | boolean>;

type Kind = 'text' | 'secret' | 'number' | 'boolean' | 'choice' | 'list' | 'json';

function choices(s: JsonSchema): string[] | null {
  if (s.enum) return s.enum.map(String);
  if (s.anyOf && s.anyOf.every((a) => a.const !== undefined)) return s.anyOf.map((a) => String(a.const));
  return null;
}

function kindOf(name: string, s: JsonSchema, secrets: string[]): Kind {
  if (secrets.includes(name)) return 'secret';
  if (choices(s)) return 'choice';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'integer' || s.type === 'number') return 'number';
  if (s.type === 'string') return 'text';
  if (s.type === 'array' && s.items?.type === 'string') return 'list';
  return 'json';
}

/** Values for the form: the stored options, else the schema's defaults; secrets always empty. */
export function initialValues(schema: JsonSchema, secrets: string[], options: Record<string, unknown> = {}): FormValues {
  const values: FormValues = {};
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    const kind = kindOf(name, s, secrets);
    const v = options[name] ?? s.default;
    if (kind === 'secret') values[name] = '';
    else if (kind === 'boolean') values[name] = v === true;
    else if (kind === 'list') values[name] = Array.isArray(v) ? v.join('\n') : '';
    else if (kind === 'json') values[name] = v === undefined ? '' : JSON.stringify(v, null, 2);
    else values[name] = v === undefined || v === null ? '' : String(v);
  }
  return values;
}

/**
 * The options to send: empty fields are left out (the type's defaults apply; on edit the stored value
 * stays). Throws the field's name when its JSON does not parse, so the form can say which one.
 */
export function collectOptions(schema: JsonSchema, secrets: string[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    const kind = kindOf(name, s, secrets);
    const v = values[name];
    if (kind === 'boolean') out[name] = v === true;
    else if (typeof v !== 'string' || v.trim() === '') continue;
    else if (kind === 'number') out[name] = Number(v);
    else if (kind === 'list') out[name] = v.split('\n').map((x) => x.trim()).filter(Boolean);
    else if (kind === 'json') {
      try {
        out[name] = JSON.parse(v);
      } catch {
        throw new Error(name);
      }
    } else out[name] = kind === 'secret' ? v : v.trim();
  }
  return out;
}

type Props = {
  /** Which kind of connector the schema belongs to, and its type id: they pick the labels. */
  group: ConnectorGroup;
  type: string;
  schema: JsonSchema;
  secrets: string[];
  secretsSet?: string[];
  values: FormValues;
  onChange(values: FormValues): void;
};

export function SchemaFields({ group, type, schema, secrets, secretsSet = [], values, onChange }: Props) {
  const { t } = useApp();
  const texts = useConnectorTexts();
  const set = (name: string, v: string | boolean) => onChange({ ...values, [name]: v });
  return (
    <div className="schema-fields" data-testid="schema-fields">
      {Object.entries(schema.properties ?? {}).map(([name, s]) => {
        const kind = kindOf(name, s, secrets);
        const id = `option-${group}-${name}`;
        const { label, help } = texts.option(group, type, name, s.description);
        const hint = help && (
          <small className="muted" id={`${id}-help`}>
            {help}
          </small>
        );
        const described = help ? `${id}-help` : undefined;
        if (kind === 'boolean') {
          return (
            <div className="field" key={name}>
              <label className="check">
                <input type="checkbox" name={name} checked={values[name] === true} onChange={(e) => set(name, e.target.checked)} aria-describedby={described} />
                {label}
              </label>
              {hint}
            </div>
          );
        }
        const value = typeof values[name] === 'string' ? (values[name] as string) : '';
        const opts = choices(s);
        return (
          // The help is the input's description, outside its label, so the label stays the option's name.
          <div className={`field${kind === 'json' || kind === 'list' ? ' field-full' : ''}`} key={name}>
            <label htmlFor={id}>{label}</label>
            {opts ? (
              <select id={id} name={name} value={value} onChange={(e) => set(name, e.target.value)} aria-describedby={described}>
                {/* An optional choice without a default may stay unset. */}
                {!schema.required?.includes(name) && s.default === undefined && <option value="">–</option>}
                {opts.map((o) => {
                  const text = texts.choice(group, type, name, o);
                  return (
                    <option key={o} value={o}>
                      {text === '\t' ? t('schema.tab') : text}
                    </option>
                  );
                })}
              </select>
            ) : kind === 'list' ? (
              <textarea id={id} name={name} rows={2} value={value} aria-describedby={described} onChange={(e) => set(name, e.target.value)} placeholder={t('schema.onePerLine')} />
            ) : kind === 'json' ? (
              <textarea id={id} name={name} className="mono" rows={3} value={value} aria-describedby={described} onChange={(e) => set(name, e.target.value)} placeholder="{ }" />
            ) : (
              <input
                id={id}
                name={name}
                type={kind === 'secret' ? 'password' : kind === 'number' ? 'number' : 'text'}
                autoComplete={kind === 'secret' ? 'new-password' : 'off'}
                aria-describedby={described}
                value={value}
                min={s.minimum}
                max={s.maximum}
                maxLength={s.maxLength}
                placeholder={kind === 'secret' && secretsSet.includes(name) ? t('schema.secretKept') : undefined}
                onChange={(e) => set(name, e.target.value)}
              />
            )}
            {hint}
          </div>
        );
      })}
    </div>
  );
}

/**
 * The first fields of every typed editor (sources, PBX connections): the type, fixed once the
 * connection exists, and the connection's name.
 */
export function TypeAndName({ group, types, typeId, onType, locked, name, onName }: {
  group: ConnectorGroup;
  types: ReadonlyArray<{ type: string }>;
  typeId: string;
  onType(type: string): void;
  locked: boolean;
  name: string;
  onName(name: string): void;
}) {
  const { t } = useApp();
  const texts = useConnectorTexts();
  return (
    <>
      <label className="field">
        <span>{t('sources.type')}</span>
        <select name="type" value={typeId} onChange={(e) => onType(e.target.value)} disabled={locked}>
          {types.map((x) => (
            <option key={x.type} value={x.type}>
              {texts.typeName(group, x.type)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('col.name')}</span>
        <input name="name" value={name} onChange={(e) => onName(e.target.value)} required maxLength={100} />
      </label>
    </>
  );
}
