/** The form for a manual contact: name, company, numbers (type, switchboard flag), e-mail, notes. */
import { useState, type FormEvent } from 'react';
import { api, type Contact } from '../api.ts';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

const TYPES = ['business', 'mobile', 'home', 'fax', 'other'] as const;
type NumberRow = { number: string; type: string; switchboard: boolean };

export function ContactEditor({ contact, personal, onClose, onSaved }: { contact: Contact | null; personal: boolean; onClose(): void; onSaved(): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [name, setName] = useState(contact?.name ?? '');
  const [company, setCompany] = useState(contact?.company ?? '');
  const [kind, setKind] = useState<'person' | 'company'>(contact?.kind ?? 'person');
  const [email, setEmail] = useState(contact?.emails.join(', ') ?? '');
  const [notes, setNotes] = useState(contact?.notes ?? '');
  const [numbers, setNumbers] = useState<NumberRow[]>(contact?.numbers.map((n) => ({ number: n.raw, type: n.type, switchboard: n.switchboard })) ?? [{ number: '', type: 'business', switchboard: false }]);
  const [busy, setBusy] = useState(false);

  const setNumber = (i: number, patch: Partial<NumberRow>) => setNumbers(numbers.map((n, j) => (j === i ? { ...n, ...patch } : n)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const body = {
      name: name.trim(),
      company: company.trim() || null,
      kind,
      numbers: numbers.filter((n) => n.number.trim()).map((n) => ({ number: n.number.trim(), type: n.type, switchboard: n.switchboard })),
      emails: email.split(',').map((x) => x.trim()).filter(Boolean),
      notes: notes.trim() || null,
    };
    try {
      if (contact) await api('PATCH', `/api/v1/contacts/${encodeURIComponent(contact.id)}`, body);
      else await api('POST', '/api/v1/contacts', personal ? { ...body, personal: true } : body);
      onSaved();
    } catch (err) {
      toast.error(err);
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={contact ? t('phonebook.edit') : t('phonebook.new')}>
        <h2>{contact ? t('phonebook.edit') : t('phonebook.new')}</h2>
        <div className="form-row">
          <label className="field grow">
            <span>{t('col.name')}</span>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          </label>
          <label className="field">
            <span>&nbsp;</span>
            <select value={kind} onChange={(e) => setKind(e.target.value as 'person' | 'company')}>
              <option value="person">{t('phonebook.person')}</option>
              <option value="company">{t('col.company')}</option>
            </select>
          </label>
        </div>
        <label className="field">
          <span>{t('col.company')}</span>
          <input name="company" value={company} onChange={(e) => setCompany(e.target.value)} maxLength={200} />
        </label>
        <fieldset className="numbers">
          <legend>{t('col.numbers')}</legend>
          {numbers.map((n, i) => (
            <div className="form-row" key={i}>
              <input className="grow" aria-label={t('phonebook.number')} value={n.number} onChange={(e) => setNumber(i, { number: e.target.value })} inputMode="tel" />
              <select aria-label={t('phonebook.type')} value={n.type} onChange={(e) => setNumber(i, { type: e.target.value })}>
                {TYPES.map((ty) => (
                  <option key={ty} value={ty}>
                    {t(`numberType.${ty}`)}
                  </option>
                ))}
              </select>
              <label className="check" title={t('phonebook.switchboardHint')}>
                <input type="checkbox" checked={n.switchboard} onChange={(e) => setNumber(i, { switchboard: e.target.checked })} /> {t('phonebook.switchboard')}
              </label>
              <button type="button" className="btn btn-ghost btn-small" onClick={() => setNumbers(numbers.filter((_, j) => j !== i))}>
                {t('phonebook.remove')}
              </button>
            </div>
          ))}
          <button type="button" className="btn btn-small" onClick={() => setNumbers([...numbers, { number: '', type: 'business', switchboard: false }])}>
            + {t('phonebook.addNumber')}
          </button>
        </fieldset>
        <label className="field">
          <span>{t('col.email')}</span>
          <input name="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('phonebook.notes')}</span>
          <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} maxLength={4000} />
        </label>
        <div className="modal-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {t('phonebook.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('phonebook.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
