/**
 * The `ldap` source against a real OpenLDAP (slapd) started for these tests, seeded with 1,201
 * people: paging past the server's size limit of 500, the default and a custom mapping, wrong
 * password, unreachable server, missing base DN, ldaps:// and StartTLS with a self-signed certificate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../directory-source.ts';
import { freePort } from '../../../../test/support/ports.ts';
import { startSlapd, type TestSlapd } from '../../../../test/support/slapd.ts';
import { fails, readContext, readSource, records } from '../../../../test/support/source-run.ts';
import { ldapSourceType } from './ldap-source.ts';
import { guidString } from './ldap-mapping.ts';

const PEOPLE = 1200;

function seed(): string {
  const out = ['dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n'];
  for (let i = 0; i < PEOPLE; i++) {
    out.push(
      [
        `dn: uid=p${i},ou=people,dc=example,dc=com`,
        'objectClass: inetOrgPerson',
        `uid: p${i}`,
        `cn: Person ${i}`,
        `sn: Last${i}`,
        `givenName: First${i}`,
        `telephoneNumber: +49 89 1000${String(i).padStart(4, '0')}`,
        '',
      ].join('\n'),
    );
  }
  out.push(
    [
      'dn: uid=anna,ou=people,dc=example,dc=com',
      'objectClass: inetOrgPerson',
      'uid: anna',
      'cn: Anna Beispiel',
      'displayName: Dr. Anna Beispiel',
      'sn: Beispiel',
      'o: Beispiel GmbH',
      'telephoneNumber: +49 89 445566-12',
      'mobile: 0171 2345678',
      'homePhone: 089 111111',
      'facsimileTelephoneNumber: +49 89 445566-99',
      'mail: anna@beispiel.example',
      'mail: a.beispiel@beispiel.example',
      'description: Einkauf',
      '',
      'dn: uid=nophone,ou=people,dc=example,dc=com',
      'objectClass: inetOrgPerson',
      'uid: nophone',
      'cn: No Phone',
      'sn: Phone',
      '',
      'dn: cn=reader,dc=example,dc=com',
      'objectClass: organizationalRole',
      'objectClass: simpleSecurityObject',
      'cn: reader',
      'userPassword: reader-secret',
      '',
      'dn: cn=printer,dc=example,dc=com',
      'objectClass: device',
      'cn: printer',
      '',
    ].join('\n'),
  );
  return out.join('\n');
}

let ldap: TestSlapd;
/** A plain bind user: the server's size limit applies to it, unlike to the root DN. */
const base = () => ({ url: ldap.url, bindDn: 'cn=reader,dc=example,dc=com', password: 'reader-secret', baseDn: 'dc=example,dc=com' });

before(async () => {
  ldap = await startSlapd({ ldif: seed(), sizeLimit: 500, tls: true });
});
after(async () => {
  await ldap?.stop();
});

describe('ldap source', () => {
  it('reads every person through paged results with the default mapping', async () => {
    const { run, items, state, progress } = await readSource(ldapSourceType, base());
    assert.equal(run.full, true);
    assert.equal(state, null);
    const found = records(items);
    assert.equal(found.length, PEOPLE + 1);
    assert.deepEqual(progress, [500, 1000, PEOPLE + 2], 'three pages of at most 500');
    const skipped = items.filter((i) => i.type === 'skipped');
    assert.deepEqual(skipped.map((s) => s.reason), ['no phone number']);
    const ids = new Set(found.map((r) => r.recordId));
    assert.equal(ids.size, found.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'entryUUID');
    const anna = found.find((r) => r.contact.name === 'Dr. Anna Beispiel');
    assert.deepEqual(anna?.contact, {
      name: 'Dr. Anna Beispiel',
      company: 'Beispiel GmbH',
      kind: 'person',
      numbers: [
        { number: '+49 89 445566-12', type: 'business' },
        { number: '0171 2345678', type: 'mobile' },
        { number: '089 111111', type: 'home' },
        { number: '+49 89 445566-99', type: 'fax' },
      ],
      emails: ['anna@beispiel.example', 'a.beispiel@beispiel.example'],
      notes: 'Einkauf',
    });
    const p7 = found.find((r) => r.contact.name === 'Person 7');
    assert.deepEqual(p7?.contact.numbers, [{ number: '+49 89 10000007', type: 'business' }]);
  });

  it('fails with the server size limit when paging is off, so paging is what reads past it', async () => {
    await assert.rejects(readSource(ldapSourceType, { ...base(), pageSize: 0 }), fails('remote', /size limit/));
    const small = await readSource(ldapSourceType, { ...base(), pageSize: 0, baseDn: 'uid=anna,ou=people,dc=example,dc=com', scope: 'base' });
    assert.equal(records(small.items).length, 1);
  });

  it('maps attributes the way the options say, the DN being the id when no id attribute is mapped', async () => {
    const { items } = await readSource(ldapSourceType, {
      ...base(),
      baseDn: 'ou=people,dc=example,dc=com',
      scope: 'one',
      filter: '(|(uid=anna)(uid=p1))',
      mapping: { id: [], name: ['sn'], company: ['description'], mobile: ['telephoneNumber'], business: [], notes: ['uid'] },
    });
    const byId = new Map(records(items).map((r) => [r.recordId, r.contact]));
    assert.deepEqual([...byId.keys()].sort(), ['uid=anna,ou=people,dc=example,dc=com', 'uid=p1,ou=people,dc=example,dc=com']);
    assert.deepEqual(byId.get('uid=anna,ou=people,dc=example,dc=com'), {
      name: 'Beispiel',
      company: 'Einkauf',
      kind: 'person',
      numbers: [
        { number: '+49 89 445566-12', type: 'mobile' },
        { number: '089 111111', type: 'home' },
        { number: '+49 89 445566-99', type: 'fax' },
      ],
      emails: ['anna@beispiel.example', 'a.beispiel@beispiel.example'],
      notes: 'anna',
    });
  });

  it('says so when the password is wrong', async () => {
    await assert.rejects(readSource(ldapSourceType, { ...base(), password: 'wrong' }), fails('auth', /bind DN or password/));
  });

  it('says so when nothing listens', async () => {
    const port = await freePort();
    await assert.rejects(readSource(ldapSourceType, { ...base(), url: `ldap://127.0.0.1:${port}` }), fails('unreachable', new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`)));
  });

  it('names a base DN that does not exist', async () => {
    await assert.rejects(readSource(ldapSourceType, { ...base(), baseDn: 'ou=nowhere,dc=example,dc=com' }), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.kind, 'remote');
      assert.equal(err.message, `the base DN "ou=nowhere,dc=example,dc=com" does not exist on ${ldap.url}`);
      return true;
    });
  });

  it('reads over ldaps:// and StartTLS with the CA given, and refuses an untrusted certificate', async () => {
    const one = { baseDn: 'uid=anna,ou=people,dc=example,dc=com', scope: 'base' };
    const ldaps = await readSource(ldapSourceType, { ...base(), ...one, url: ldap.ldapsUrl, tlsCaFile: ldap.caFile });
    assert.equal(records(ldaps.items).length, 1);
    const startTls = await readSource(ldapSourceType, { ...base(), ...one, startTls: true, tlsCaFile: ldap.caFile });
    assert.equal(records(startTls.items).length, 1);
    await assert.rejects(readSource(ldapSourceType, { ...base(), ...one, url: ldap.ldapsUrl }), fails('unreachable', /not trusted/));
    const insecure = await readSource(ldapSourceType, { ...base(), ...one, url: ldap.ldapsUrl, tlsRejectUnauthorized: false });
    assert.equal(records(insecure.items).length, 1);
  });

  it('stops mid-stream when the run is aborted', async () => {
    const controller = new AbortController();
    const checked = ldapSourceType.check({ ...base(), pageSize: 100 });
    assert.ok(checked.ok);
    const run = await ldapSourceType.open(checked.options, readContext({ signal: controller.signal }));
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of run.items) if (++read === 150) controller.abort();
      })(),
      (err: unknown) => err instanceof SourceError && err.kind === 'timeout',
    );
    assert.ok(read < PEOPLE, `stopped after ${read}`);
  });

  it('rejects options that cannot work before anything connects', () => {
    assert.deepEqual(ldapSourceType.check({ ...base(), filter: '(cn=x' }).ok, false);
    const bad = ldapSourceType.check({ ...base(), filter: 'cn=x)(' });
    assert.equal(bad.ok ? null : bad.field, '/filter');
    const tls = ldapSourceType.check({ ...base(), url: 'ldaps://dc1.example.com', startTls: true });
    assert.equal(tls.ok ? null : tls.field, '/startTls');
    const url = ldapSourceType.check({ ...base(), url: 'http://dc1.example.com' });
    assert.equal(url.ok ? null : url.field, '/url');
    const ok = ldapSourceType.check(base());
    assert.ok(ok.ok);
    assert.equal(ok.options.pageSize, 500);
    assert.equal(ok.options.scope, 'sub');
  });

  it('writes AD objectGUIDs the way AD shows them', () => {
    // Bytes of {3F2504E0-4F89-11D3-9A0C-0305E82C3301} as AD stores them (MS-DTYP 2.3.4.2).
    const bytes = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
    assert.equal(guidString(bytes), '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  });
});
