/** The tenant's name and numbering: how numbers written without country or area code are read. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Settings } from '../api.ts';
import { Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

const COUNTRIES = ['DE', 'AT', 'CH', 'DK', 'NL', 'BE', 'LU', 'FR', 'IT', 'ES', 'PL', 'CZ', 'SE', 'NO', 'GB', 'IE', 'US'];

export function SettingsPage() {
  const { t, locale } = useApp();
  const toast = useToast();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [busy, setBusy] = useState(false);
  const regionName = new Intl.DisplayNames([locale], { type: 'region' });

  useEffect(() => {
    api<Settings>('GET', '/api/v1/settings').then(setSettings, toast.error);
  }, [toast]);
  if (!settings) return <Loading />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      setSettings(
        await api<Settings>('PATCH', '/api/v1/settings', {
          name: settings.name,
          defaultCountry: settings.defaultCountry,
          areaCode: settings.areaCode?.trim() || null,
          lookupSuffixDigits: settings.lookupSuffixDigits,
          retentionDays: settings.retentionDays,
        }),
      );
      toast.success(t('settings.saved'));
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  const countries = COUNTRIES.includes(settings.defaultCountry) ? COUNTRIES : [settings.defaultCountry, ...COUNTRIES];

  return (
    <>
      <PageHeader title={t('settings.title')} subtitle={t('settings.subtitle')} />
      <form className="card form-narrow" onSubmit={submit}>
        <label className="field">
          <span>{t('settings.name')}</span>
          <input name="name" value={settings.name} onChange={(e) => setSettings({ ...settings, name: e.target.value })} required />
        </label>
        <label className="field">
          <span>{t('settings.country')}</span>
          <select name="defaultCountry" value={settings.defaultCountry} onChange={(e) => setSettings({ ...settings, defaultCountry: e.target.value })}>
            {countries.map((c) => (
              <option key={c} value={c}>
                {regionName.of(c)} ({c})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('settings.areaCode')}</span>
          <input name="areaCode" value={settings.areaCode ?? ''} onChange={(e) => setSettings({ ...settings, areaCode: e.target.value })} placeholder="30" inputMode="numeric" />
        </label>
        <label className="field">
          <span>{t('settings.suffix')}</span>
          <select
            name="lookupSuffixDigits"
            value={settings.lookupSuffixDigits ?? ''}
            onChange={(e) => setSettings({ ...settings, lookupSuffixDigits: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">{t('settings.off')}</option>
            {[6, 7, 8, 9, 10, 11, 12].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('settings.retention')}</span>
          <input
            name="retentionDays"
            type="number"
            min={1}
            max={36500}
            value={settings.retentionDays ?? ''}
            onChange={(e) => setSettings({ ...settings, retentionDays: e.target.value ? Number(e.target.value) : null })}
            placeholder={t('settings.retentionForever')}
          />
          <small className="hint">{t('settings.retentionHelp')}</small>
        </label>
        <div className="modal-actions">
          <button className="btn btn-primary" type="submit" disabled={busy}>
            {t('settings.save')}
          </button>
        </div>
      </form>
    </>
  );
}
