/** Users and their extensions, who may sign in here with which role, and setting their passwords. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Role, type User } from '../api.ts';
import { Badge, Empty, Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

export function UsersPage() {
  const { t } = useApp();
  const toast = useToast();
  const [users, setUsers] = useState<User[] | null>(null);
  const [roles, setRoles] = useState<Map<string, Role>>(new Map());
  const [editing, setEditing] = useState<User | null>(null);
  const [adding, setAdding] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    Promise.all([api<{ items: User[] }>('GET', '/api/v1/users'), api<{ items: { userId: string; role: Role }[] }>('GET', '/api/v1/logins')]).then(([u, l]) => {
      setUsers(u.items);
      setRoles(new Map(l.items.map((x) => [x.userId, x.role])));
    }, toast.error);
  }, [version, toast]);

  if (!users) return <Loading />;
  return (
    <>
      <PageHeader
        title={t('users.title')}
        subtitle={t('users.subtitle')}
        actions={
          <button className="btn btn-primary" type="button" onClick={() => setAdding(true)}>
            + {t('users.add')}
          </button>
        }
      />
      <section className="card">
        {users.length === 0 ? (
          <Empty>{t('users.empty')}</Empty>
        ) : (
          <table className="table" data-testid="users">
            <thead>
              <tr>
                <th>{t('col.extension')}</th>
                <th>{t('col.name')}</th>
                <th>{t('col.email')}</th>
                <th>{t('col.role')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const role = roles.get(u.id);
                return (
                  <tr key={u.id}>
                    <td className="mono">{u.extension}</td>
                    <td>{u.name}</td>
                    <td>{u.email ?? '–'}</td>
                    <td>{role ? <Badge tone={role === 'admin' ? 'violet' : 'blue'}>{t(`role.${role}`)}</Badge> : <span className="muted">{t('users.none')}</span>}</td>
                    <td className="num">
                      <button className="btn btn-small" type="button" onClick={() => setEditing(u)}>
                        {t('users.setPassword')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {editing && <PasswordDialog user={editing} role={roles.get(editing.id) ?? 'agent'} onDone={(changed) => (setEditing(null), changed && setVersion((v) => v + 1))} />}
      {adding && <AddUserDialog onDone={(changed) => (setAdding(false), changed && setVersion((v) => v + 1))} />}
    </>
  );
}

function PasswordDialog({ user, role: initialRole, onDone }: { user: User; role: Role; onDone(changed: boolean): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(initialRole);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('PUT', `/api/v1/users/${encodeURIComponent(user.id)}/login`, { password, role });
      toast.success(t('users.passwordSet'));
      onDone(true);
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <div className="modal-backdrop" onClick={() => onDone(false)}>
      <form className="modal card" onSubmit={submit} onClick={(e) => e.stopPropagation()}>
        <h2>
          {t('users.setPassword')}: {user.name} ({user.extension})
        </h2>
        <label className="field">
          <span>{t('users.password')}</span>
          <input type="password" autoComplete="new-password" minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('col.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="agent">{t('role.agent')}</option>
            <option value="admin">{t('role.admin')}</option>
          </select>
        </label>
        <div className="modal-actions">
          <button type="button" className="btn btn-ghost" onClick={() => onDone(false)}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary">
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}

function AddUserDialog({ onDone }: { onDone(changed: boolean): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [extension, setExtension] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      // PUT /users creates or updates by extension and leaves every other user as it is.
      await api('PUT', '/api/v1/users', [{ extension: extension.trim(), name: name.trim(), email: email.trim() || null }]);
      toast.success(t('users.saved'));
      onDone(true);
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <div className="modal-backdrop" onClick={() => onDone(false)}>
      <form className="modal card" onSubmit={submit} onClick={(e) => e.stopPropagation()}>
        <h2>{t('users.add')}</h2>
        <label className="field">
          <span>{t('col.extension')}</span>
          <input value={extension} onChange={(e) => setExtension(e.target.value)} required pattern="[0-9*#+]{1,32}" inputMode="numeric" />
        </label>
        <label className="field">
          <span>{t('col.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('col.email')}</span>
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <div className="modal-actions">
          <button type="button" className="btn btn-ghost" onClick={() => onDone(false)}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary">
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
