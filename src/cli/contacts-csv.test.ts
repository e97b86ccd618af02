import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readContactsCsv } from './contacts-csv.ts';

it('reads German and English headers, several numbers per cell, and names from first and last name', () => {
  const r = readContactsCsv('\uFEFFVorname;Nachname;Firma;Telefon;Handy;E-Mail\nErika;Mustermann;Muster GmbH;030 1234567, 030 1234568;0171 9876543;erika@example.com\n;;ACME AG;+49 89 445566-0;;\n');
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.contacts[0], {
    name: 'Erika Mustermann',
    company: 'Muster GmbH',
    kind: 'person',
    numbers: [{ number: '030 1234567', type: 'business' }, { number: '030 1234568', type: 'business' }, { number: '0171 9876543', type: 'mobile' }],
    emails: ['erika@example.com'],
    notes: null,
  });
  assert.equal(r.contacts[1].name, 'ACME AG');
  assert.equal(r.contacts[1].kind, 'company');
  assert.deepEqual(r.lines, [2, 3]);
});

it('lists every problem with its line and imports nothing', () => {
  const r = readContactsCsv('Name,Phone,Email\nAnna,,anna@example.com\n,030 1,\nBert,030 2,not-mail\n');
  assert.ok(!r.ok);
  assert.deepEqual(r.problems, ['line 2: no phone number', 'line 3: no name', 'line 4: "not-mail" is not an e-mail address']);
  assert.ok(!readContactsCsv('Foo,Bar\n1,2\n').ok);
  assert.ok(!readContactsCsv('').ok);
});
