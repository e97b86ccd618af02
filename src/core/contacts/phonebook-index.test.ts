import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeNumber, type NumberingSettings } from '../phone-numbers/phone-number.ts';
import type { Contact } from './contact.ts';
import { readContactNumber } from './contact-number.ts';
import { PhonebookIndex } from './phonebook-index.ts';

const DE: NumberingSettings = { defaultCountry: 'DE', areaCode: '30' };
const DK: NumberingSettings = { defaultCountry: 'DK', areaCode: null };
const AT: NumberingSettings = { defaultCountry: 'AT', areaCode: '1' };
const CH: NumberingSettings = { defaultCountry: 'CH', areaCode: '44' };
const US: NumberingSettings = { defaultCountry: 'US', areaCode: null };

type Partial = { id: string; numbers: string[]; numbering?: NumberingSettings } & Omit<globalThis.Partial<Contact>, 'id' | 'numbers'>;

function contact(p: Partial): Contact {
  const { numbering = DE, numbers, ...rest } = p;
  return {
    tenantId: 't',
    ownerUserId: null,
    kind: 'person',
    name: p.id,
    company: null,
    emails: [],
    notes: null,
    origin: 'manual',
    sourceId: null,
    sourceRecordId: null,
    forwardingTarget: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...rest,
    numbers: numbers.map((raw) => readContactNumber(raw, undefined, undefined, numbering)),
  };
}

/**
 * A seeded random walk of upserts (a quarter of the steps: removes) over `contacts` ids, each upsert
 * giving the contact one number; returns the number each live contact holds.
 */
function churn(index: PhonebookIndex, walk: { seed: number; steps: number; contacts: number }, pick: (rand: (n: number) => number) => string, make: (id: string, e164: string) => Contact): Map<string, string> {
  const live = new Map<string, string>();
  let seed = walk.seed;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let i = 0; i < walk.steps; i++) {
    const id = `c${rand(walk.contacts)}`;
    if (rand(4) === 0) {
      index.remove(id);
      live.delete(id);
    } else {
      const e164 = pick(rand);
      index.upsert(make(id, e164));
      live.set(id, e164);
    }
  }
  return live;
}

function indexOf(...contacts: Contact[]): PhonebookIndex {
  const index = new PhonebookIndex();
  for (const c of contacts) index.upsert(c);
  return index;
}

/** Looks the caller up the way the phonebook does: normalized under the same settings first. */
function who(index: PhonebookIndex, raw: string, numbering = DE, options: { ownerUserId?: string | null; suffixDigits?: number | null } = {}) {
  return index.lookup(normalizeNumber(raw, numbering).e164, options);
}

describe('PhonebookIndex', () => {
  const countries: Array<[string, NumberingSettings, string, string[]]> = [
    ['DE', DE, '+49 30 1234567', ['+49 30 1234567', '+49 (0)30 1234567', '0049 30 1234567', '030/1234567', '030-1234567', '030 123 45 67', '030.123.45.67', '1234567', '+49301234567']],
    ['DK', DK, '+45 33 12 34 56', ['33123456', '33 12 34 56', '+45 33 12 34 56', '0045 33 12 34 56', '33.12.34.56']],
    ['AT', AT, '01 5131234', ['+43 1 5131234', '01 5131234', '01/513 12 34', '0043 1 513 12 34', '+43 (0)1 5131234', '5131234']],
    ['CH', CH, '+41 44 668 18 00', ['+41 44 668 18 00', '044 668 18 00', '0041 44 668 18 00', '+41 (0)44 668 18 00', '044/668.18.00', '6681800']],
    ['US', US, '415-555-2671', ['+1 (415) 555-2671', '415-555-2671', '(415) 555.2671', '+1 415 555 2671', '4155552671']],
  ];
  for (const [country, numbering, stored, callers] of countries) {
    it(`matches every written form of a ${country} number exactly`, () => {
      // Stored in each form, too: a stored form and a caller form never need to agree.
      for (const storedForm of [stored, ...callers]) {
        const index = indexOf(contact({ id: 'c', numbers: [storedForm], numbering }));
        for (const caller of callers) {
          const result = who(index, caller, numbering);
          assert.equal(result.match?.contactId, 'c', `${storedForm} ← ${caller}`);
          assert.equal(result.match?.matchType, 'exact');
          // The matched number is named in E.164, whichever way it was stored.
          assert.equal(result.match?.number, result.number);
        }
      }
    });
  }

  it('never matches near-misses: one digit off, the caller a prefix, shorter or longer', () => {
    const index = indexOf(contact({ id: 'c', numbers: ['030 1234567'] }), contact({ id: 'dk', numbers: ['33123456'], numbering: DK }));
    for (const near of ['030 1234568', '030 2234567', '030 123456', '030 12345', '+49 30 12345678', '+49 31 1234567', '+43 30 1234567']) {
      assert.equal(who(index, near).match, null, near);
    }
    for (const near of ['33123457', '3312345', '331234567']) assert.equal(who(index, near, DK).match, null, near);
  });

  it('gives withheld and unreadable numbers match: null', () => {
    const index = indexOf(contact({ id: 'c', numbers: ['030 1234567'] }));
    assert.deepEqual(index.lookup(null), { number: null, match: null, candidates: [] });
    assert.deepEqual(who(index, 'anonymous'), { number: null, match: null, candidates: [] });
    assert.deepEqual(index.lookup('1234567'), { number: null, match: null, candidates: [] });
    assert.deepEqual(who(index, '030 9999999'), { number: '+49309999999', match: null, candidates: [] });
  });

  describe('DDI fallback', () => {
    const acme = contact({ id: 'acme', kind: 'company', name: 'ACME AG', company: 'ACME AG', numbers: ['+49 89 445566-0'] });
    const otto = contact({ id: 'otto', name: 'Otto Direkt', company: 'ACME AG', numbers: ['+49 89 445566 123'] });

    it('shows an unknown extension of a switchboard as the company', () => {
      const index = indexOf(acme, otto);
      for (const caller of ['+49 89 445566 77', '089 445566 9', '+49 89 44556612345', '+49 89 445566 124']) {
        const result = who(index, caller);
        assert.equal(result.match?.contactId, 'acme', caller);
        assert.equal(result.match?.matchType, 'company', caller);
        assert.equal(result.match?.number, '+49894455660');
      }
    });

    it('answers the switchboard itself exactly, and an exact extension beats the switchboard', () => {
      const index = indexOf(acme, otto);
      assert.deepEqual([who(index, '+49 89 4455660').match?.contactId, who(index, '+49 89 4455660').match?.matchType], ['acme', 'exact']);
      const direct = who(index, '+49 89 445566 123');
      assert.equal(direct.match?.contactId, 'otto');
      assert.equal(direct.match?.matchType, 'exact');
      assert.deepEqual(direct.candidates.map((c) => c.contactId), ['otto']);
    });

    it('needs 1–5 extension digits and never matches the shorter base or other prefixes', () => {
      const index = indexOf(acme);
      for (const caller of ['+49 89 445566', '+49 89 44556', '+49 89 445566123456', '+49 89 445567 12', '+49 89 44556 712']) {
        assert.equal(who(index, caller).match, null, caller);
      }
    });

    it('accepts switchboards marked explicitly, also ones not ending in 0', () => {
      const marked = contact({ id: 'marked', kind: 'company', numbers: [] });
      marked.numbers = [readContactNumber('+49 40 555000', 'business', true, DE), readContactNumber('+49 40 7771', 'business', true, DE)];
      const index = indexOf(marked);
      assert.equal(who(index, '+49 40 55500 42').match?.matchType, 'company');
      assert.equal(who(index, '+49 40 7771 42').match?.matchType, 'company');
      assert.equal(who(index, '+49 40 777').match, null);
    });

    it('prefers the longest switchboard base (a department before its company)', () => {
      const dept = contact({ id: 'dept', kind: 'company', numbers: ['+49 89 445566 5-0'] });
      const index = indexOf(acme, dept);
      assert.equal(who(index, '+49 89 445566 512').match?.contactId, 'dept');
      assert.equal(who(index, '+49 89 445566 612').match?.contactId, 'acme');
      index.remove('dept');
      assert.equal(who(index, '+49 89 445566 512').match?.contactId, 'acme');
    });

    it('names the matched switchboard’s own number, whatever its length and inner zeros', () => {
      const e164s = ['+1234567', '+4930200000010', '+4930000000001', '+123456789012345', '+100000000000000', '+4989100000000'];
      const index = new PhonebookIndex();
      for (const [k, e164] of e164s.entries()) {
        index.upsert({ ...contact({ id: `sb${k}`, kind: 'company', numbers: [] }), numbers: [{ raw: e164, e164, type: 'business', switchboard: true }] });
      }
      for (const e164 of e164s) {
        const base = e164.endsWith('0') ? e164.slice(0, -1) : e164;
        // A 15-digit base leaves no room for an extension: a caller differing in its last digit is no one.
        const caller = base.length < 16 ? `${base}7` : `${base.slice(0, -1)}7`;
        const result = index.lookup(caller);
        if (base.length === 16) {
          assert.equal(result.match, null, caller);
          continue;
        }
        assert.equal(result.match?.matchType, 'company', caller);
        assert.equal(result.match?.number, e164, caller);
        assert.equal(index.lookup(caller, { suffixDigits: 6 }).match?.number, e164, caller);
      }
      assert.equal(index.lookup('+999956789012345', { suffixDigits: 11 }).match?.number, '+123456789012345');
    });

    it('forgets a switchboard that is removed or no longer marked', () => {
      const index = indexOf(acme);
      index.upsert({ ...acme, numbers: [readContactNumber('+49 89 4455660', 'business', false, DE)] });
      assert.equal(who(index, '+49 89 445566 77').match, null);
      assert.equal(who(index, '+49 89 4455660').match?.contactId, 'acme');
      index.upsert(acme);
      index.remove('acme');
      assert.equal(who(index, '+49 89 445566 77').match, null);
    });
  });

  describe('several contacts with one number', () => {
    const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`;

    it('lists all candidates and picks manual over synced, person over company, most recent first', () => {
      const index = indexOf(
        contact({ id: 'synced-person-new', origin: 'synced', numbers: ['030 5550000'], updatedAt: at(20) }),
        contact({ id: 'manual-company', kind: 'company', numbers: ['030 5550000'], updatedAt: at(25) }),
        contact({ id: 'manual-person-old', numbers: ['+49 30 5550000'], updatedAt: at(1) }),
        contact({ id: 'manual-person-new', numbers: ['030/555 00 00'], updatedAt: at(10) }),
        contact({ id: 'synced-company', kind: 'company', origin: 'synced', numbers: ['030 5550000'], updatedAt: at(28) }),
      );
      const result = who(index, '030 5550000');
      assert.deepEqual(result.candidates.map((c) => c.contactId), ['manual-person-new', 'manual-person-old', 'manual-company', 'synced-person-new', 'synced-company']);
      assert.equal(result.match, result.candidates[0]);
      assert.equal(result.candidates[3].origin, 'synced');
      assert.equal(result.candidates[1].number, '+49305550000');
    });

    it('lists a contact once even when it holds the number twice', () => {
      const index = indexOf(contact({ id: 'twice', numbers: ['030 5550000', '+49 30 555 00 00'] }), contact({ id: 'other', numbers: ['030 5550000'] }));
      assert.deepEqual(who(index, '030 5550000').candidates.map((c) => c.contactId).sort(), ['other', 'twice']);
    });

    it('shows personal contacts to their owner first and never to anyone else', () => {
      const index = indexOf(
        contact({ id: 'company-wide', numbers: ['030 7777777'], updatedAt: at(28) }),
        contact({ id: 'annas', ownerUserId: 'anna', origin: 'manual', numbers: ['030 7777777'], updatedAt: at(1) }),
        contact({ id: 'bens', ownerUserId: 'ben', numbers: ['030 7777777', '030 8888888'] }),
      );
      const anna = who(index, '030 7777777', DE, { ownerUserId: 'anna' });
      assert.deepEqual(anna.candidates.map((c) => [c.contactId, c.personal]), [['annas', true], ['company-wide', false]]);
      assert.deepEqual(who(index, '030 7777777').candidates.map((c) => c.contactId), ['company-wide']);
      assert.equal(who(index, '030 8888888').match, null);
      assert.equal(who(index, '030 8888888', DE, { ownerUserId: 'anna' }).match, null);
      assert.equal(who(index, '030 8888888', DE, { ownerUserId: 'ben' }).match?.contactId, 'bens');
    });

    it('does not let another user’s personal switchboard answer for a company', () => {
      const index = indexOf(contact({ id: 'private-acme', ownerUserId: 'ben', kind: 'company', numbers: ['+49 89 445566-0'] }));
      assert.equal(who(index, '+49 89 445566 77').match, null);
      assert.equal(who(index, '+49 89 445566 77', DE, { ownerUserId: 'ben' }).match?.matchType, 'company');
    });
  });

  describe('suffix matching', () => {
    it('matches the last N digits only when the tenant turns it on', () => {
      const index = indexOf(contact({ id: 'wrong-area', numbers: ['089 12345678'] }));
      assert.equal(who(index, '040 12345678').match, null);
      const result = who(index, '040 12345678', DE, { suffixDigits: 8 });
      assert.deepEqual([result.match?.contactId, result.match?.matchType], ['wrong-area', 'suffix']);
      assert.equal(who(index, '040 22345678', DE, { suffixDigits: 8 }).match, null);
      assert.equal(who(index, '040 12345678', DE, { suffixDigits: null }).match, null);
    });

    it('keeps exact before suffix, and the suffix index current after it was built', () => {
      const index = indexOf(contact({ id: 'a', numbers: ['089 12345678'] }));
      assert.equal(who(index, '040 12345678', DE, { suffixDigits: 8 }).match?.contactId, 'a');
      index.upsert(contact({ id: 'b', numbers: ['040 12345678'] }));
      index.upsert(contact({ id: 'c', numbers: ['0221 99345678'] }));
      assert.deepEqual(who(index, '040 12345678', DE, { suffixDigits: 8 }).candidates.map((c) => [c.contactId, c.matchType]), [['b', 'exact']]);
      assert.deepEqual(who(index, '0711 12345678', DE, { suffixDigits: 8 }).candidates.map((c) => c.contactId).sort(), ['a', 'b']);
      index.remove('a');
      assert.deepEqual(who(index, '0711 12345678', DE, { suffixDigits: 8 }).candidates.map((c) => c.contactId), ['b']);
      assert.deepEqual(who(index, '0711 99345678', DE, { suffixDigits: 6 }).candidates.map((c) => c.contactId).sort(), ['b', 'c']);
    });
  });

  it('replaces a contact’s old numbers on upsert and forgets it on remove', () => {
    const index = indexOf(contact({ id: 'c', name: 'Old', numbers: ['030 1234567', '0171 1234567'] }));
    index.upsert(contact({ id: 'c', name: 'New', numbers: ['030 7654321'] }));
    assert.equal(index.size, 1);
    assert.equal(who(index, '030 1234567').match, null);
    assert.equal(who(index, '0171 1234567').match, null);
    assert.equal(who(index, '030 7654321').match?.name, 'New');
    index.remove('c');
    index.remove('c');
    index.remove('never-there');
    assert.equal(index.size, 0);
    assert.equal(who(index, '030 7654321').match, null);
  });

  it('keeps switchboards consistent through many upserts and removes (the longest base answers)', () => {
    const index = new PhonebookIndex();
    // Bases nest: +49301230 is the base of +493012300 and of +4930123012; callers end in two more digits.
    const numbers = Array.from({ length: 300 }, (_, k) => `+49301${String(k % 100).padStart(2, '0')}${k < 100 ? '0' : k < 200 ? '00' : `0${k % 7}`}`);
    const live = churn(index, { seed: 11, steps: 6_000, contacts: 800 }, (rand) => numbers[rand(numbers.length)], (id, e164) => ({
      ...contact({ id, kind: 'company', numbers: [] }),
      numbers: [{ raw: e164, e164, type: 'business', switchboard: true }],
    }));
    const baseOf = (e164: string) => (e164.endsWith('0') ? e164.slice(0, -1) : e164);
    for (const caller of numbers.map((n) => `${baseOf(n)}42`)) {
      let expected: string[] = [];
      for (let r = 1; r <= 5 && expected.length === 0; r++) {
        expected = [...live].filter(([, e164]) => baseOf(e164) === caller.slice(0, -r) && !numbers.includes(caller)).map(([id]) => id);
      }
      const result = index.lookup(caller);
      assert.deepEqual(result.candidates.map((c) => c.contactId).sort(), expected.sort(), caller);
      for (const c of result.candidates) assert.equal(c.number, live.get(c.contactId), caller);
    }
  });

  it('stays consistent through many upserts and removes (hash table growth and deletion)', () => {
    const index = new PhonebookIndex();
    const live = churn(index, { seed: 7, steps: 20_000, contacts: 3000 }, (rand) => `+4930${1000000 + rand(5000)}`, (id, e164) => contact({ id, numbers: [e164] }));
    assert.equal(index.size, live.size);
    const byNumber = new Map<string, string[]>();
    for (const [id, e164] of live) byNumber.set(e164, [...(byNumber.get(e164) ?? []), id]);
    for (let n = 0; n < 5000; n++) {
      const e164 = `+4930${1000000 + n}`;
      const got = index.lookup(e164).candidates.map((c) => c.contactId).sort();
      assert.deepEqual(got, (byNumber.get(e164) ?? []).sort(), e164);
    }
  });
});
