/**
 * A form generated from a connector type's options JSON schema (sources, PBX connections): the API
 * owns the schemas, so a new type gets its form without UI changes. Secret options are password
 * fields that are never prefilled (the API never returns them); left empty on edit, the stored
 * secret stays. Lists of strings are one per line; other nested objects and arrays are edited as
 * JSON, since their shapes vary by type.
 */
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

/** Splits camelCase option names into words: "timeoutSeconds" → "Timeout seconds". */
function label(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function SchemaFields({ schema, secrets, secretsSet = [], values, onChange }: { schema: JsonSchema; secrets: string[]; secretsSet?: string[]; values: FormValues; onChange(values: FormValues): void }) {
  const { t } = useApp();
  const set = (name: string, v: string | boolean) => onChange({ ...values, [name]: v });
  return (
    <div className="schema-fields">
      {Object.entries(schema.properties ?? {}).map(([name, s]) => {
        const kind = kindOf(name, s, secrets);
        const hint = s.description && <small className="muted">{s.description}</small>;
        if (kind === 'boolean') {
          return (
            <div className="field" key={name}>
              <label className="check">
                <input type="checkbox" name={name} checked={values[name] === true} onChange={(e) => set(name, e.target.checked)} />
                {label(name)}
              </label>
              {hint}
            </div>
          );
        }
        const value = typeof values[name] === 'string' ? (values[name] as string) : '';
        const opts = choices(s);
        return (
          <label className={`field${kind === 'json' || kind === 'list' ? ' field-full' : ''}`} key={name}>
            <span>{label(name)}</span>
            {opts ? (
              <select name={name} value={value} onChange={(e) => set(name, e.target.value)}>
                {/* An optional choice without a default may stay unset. */}
                {!schema.required?.includes(name) && s.default === undefined && <option value="">–</option>}
                {opts.map((o) => (
                  <option key={o} value={o}>
                    {o === '\t' ? t('schema.tab') : o}
                  </option>
                ))}
              </select>
            ) : kind === 'list' ? (
              <textarea name={name} rows={2} value={value} onChange={(e) => set(name, e.target.value)} placeholder={t('schema.onePerLine')} />
            ) : kind === 'json' ? (
              <textarea name={name} className="mono" rows={3} value={value} onChange={(e) => set(name, e.target.value)} placeholder="{ }" />
            ) : (
              <input
                name={name}
                type={kind === 'secret' ? 'password' : kind === 'number' ? 'number' : 'text'}
                autoComplete={kind === 'secret' ? 'new-password' : 'off'}
                value={value}
                min={s.minimum}
                max={s.maximum}
                maxLength={s.maxLength}
                placeholder={kind === 'secret' && secretsSet.includes(name) ? t('schema.secretKept') : undefined}
                onChange={(e) => set(name, e.target.value)}
              />
            )}
            {hint}
          </label>
        );
      })}
    </div>
  );
}
