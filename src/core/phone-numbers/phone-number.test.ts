import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isExtension, isKnownCountry, isWithheld, normalizeNumber, type NumberingSettings, numberReader } from './phone-number.ts';

const BERLIN: NumberingSettings = { defaultCountry: 'DE', areaCode: '30' };
const GERMANY: NumberingSettings = { defaultCountry: 'DE', areaCode: null };
const DENMARK: NumberingSettings = { defaultCountry: 'DK', areaCode: null };

const e164 = (raw: string, settings = BERLIN) => normalizeNumber(raw, settings).e164;

describe('normalizeNumber', () => {
  describe('the written forms of one Berlin number all read as +49301234567', () => {
    const forms = [
      '+49 30 1234567',
      '+49301234567',
      '+49-30-1234567',
      '+49.30.1234567',
      '+49 (0)30 1234567',
      '+49(0)30-123 45 67',
      '+49 (0) 30 1234567',
      '+49 030 1234567',
      '0049 30 1234567',
      '0049301234567',
      '030 1234567',
      '0301234567',
      '030/1234567',
      '030 / 123 45 67',
      '030-1234567',
      '030-123 45-67',
      '(030) 1234567',
      '(0)30 1234567',
      '030.123.45.67',
      '0 30 12 34 56 7',
      '  030 1234567  ',
      'tel:+49301234567',
      'sip:+49301234567@pbx.example.com',
      'sips:0301234567@pbx.example.com',
    ];
    for (const raw of forms) {
      it(JSON.stringify(raw), () => {
        assert.deepEqual(normalizeNumber(raw, BERLIN), { raw, e164: '+49301234567', withheld: false });
      });
    }
  });

  it('keeps the raw value exactly as sent', () => {
    assert.equal(normalizeNumber('  030 / 123 45 67 ', BERLIN).raw, '  030 / 123 45 67 ');
  });

  it('reads mobile, toll-free and foreign numbers', () => {
    assert.equal(e164('0171 1234567'), '+491711234567');
    assert.equal(e164('0800 1234567'), '+498001234567');
    assert.equal(e164('+1 212 555 0100'), '+12125550100');
    assert.equal(e164('001 212 555 0100'), '+12125550100');
    assert.equal(e164('+45 12 34 56 78'), '+4512345678');
    assert.equal(e164('+43 1 5880'), '+4315880');
  });

  describe('local numbers dialled without area code', () => {
    it('get the tenant area code', () => {
      assert.equal(e164('1234567'), '+49301234567');
      assert.equal(e164('123 45 67'), '+49301234567');
      assert.equal(e164('12345'), '+493012345');
    });

    it('accept the area code written with its national prefix', () => {
      assert.equal(e164('1234567', { defaultCountry: 'DE', areaCode: '030' }), '+49301234567');
      assert.equal(e164('1234567', { defaultCountry: 'DE', areaCode: '089' }), '+49891234567');
    });

    it('leave numbers that carry a prefix alone', () => {
      assert.equal(e164('0891234567'), '+49891234567');
      assert.equal(e164('+4989 1234567'), '+49891234567');
    });

    it('are not given a made-up E.164 when the tenant has no area code', () => {
      assert.equal(e164('1234567', GERMANY), null);
    });
  });

  describe('extensions stay without E.164', () => {
    for (const raw of ['1', '10', '201', '4711', ' 201 ']) {
      it(JSON.stringify(raw), () => {
        assert.deepEqual(normalizeNumber(raw, BERLIN), { raw, e164: null, withheld: false });
        assert.equal(isExtension(raw), true);
      });
    }

    it('in every country', () => {
      assert.equal(e164('4711', DENMARK), null);
      assert.equal(e164('201', GERMANY), null);
    });

    it('five digits are a local number, not an extension', () => {
      assert.equal(isExtension('12345'), false);
      assert.equal(isExtension('+201'), false);
      assert.equal(isExtension('20a'), false);
    });
  });

  describe('withheld numbers', () => {
    for (const raw of ['anonymous', 'Anonymous', 'unknown', 'UNKNOWN', 'restricted', ' RESTRICTED ', 'private', 'withheld', 'unavailable', 'CLIP_NO_SCREENING', '', '   ']) {
      it(JSON.stringify(raw), () => {
        assert.deepEqual(normalizeNumber(raw, BERLIN), { raw, e164: null, withheld: true });
        assert.equal(isWithheld(raw), true);
      });
    }

    it('a real number is not withheld', () => {
      assert.equal(isWithheld('0301234567'), false);
      assert.equal(isWithheld('anonymous1'), false);
    });
  });

  describe('Danish numbers (defaultCountry DK)', () => {
    for (const raw of ['12345678', '12 34 56 78', '+45 12 34 56 78', '0045 12345678', '+4512345678']) {
      it(JSON.stringify(raw), () => {
        assert.equal(e164(raw, DENMARK), '+4512345678');
      });
    }

    it('reads a German number written in full', () => {
      assert.equal(e164('+49 30 1234567', DENMARK), '+49301234567');
      assert.equal(e164('0049 30 1234567', DENMARK), '+49301234567');
    });
  });

  describe('garbage', () => {
    for (const raw of ['abc', '+', '++49', '0', '00', '+999999999999999999999', '**21#', '\u0000', '٠٣٠١٢٣٤٥٦٧', 'x'.repeat(10_000), '0'.repeat(500)]) {
      it(`${JSON.stringify(raw.slice(0, 20))} keeps its raw form without E.164`, () => {
        const n = normalizeNumber(raw, BERLIN);
        assert.equal(n.raw, raw);
        assert.equal(n.e164, null);
        assert.equal(n.withheld, false);
      });
    }

    it('values that are not strings (from untyped JSON) do not throw', () => {
      for (const raw of [null, undefined, 12345678, {}, []] as unknown as string[]) {
        assert.doesNotThrow(() => normalizeNumber(raw, BERLIN));
      }
      assert.equal(normalizeNumber(12345678 as unknown as string, BERLIN).e164, '+493012345678');
    });

    it('unknown countries and odd area codes do not throw', () => {
      assert.equal(e164('030123456', { defaultCountry: 'XX', areaCode: null }), null);
      assert.equal(e164('+4930123456', { defaultCountry: 'XX', areaCode: null }), '+4930123456');
      for (const areaCode of ['abc', '', '0', '+49', '٣٠']) {
        const n = normalizeNumber('1234567', { defaultCountry: 'DE', areaCode });
        assert.ok(n.e164 === null || /^\+49\d+$/.test(n.e164), `${areaCode}: ${n.e164}`);
      }
      assert.equal(e164('1234567', { defaultCountry: '', areaCode: '' }), null);
    });

    it('never throws, keeps the raw value, and gives E.164 or null (property)', () => {
      const settings = fc.record({
        defaultCountry: fc.constantFrom('DE', 'DK', 'AT', 'CH', 'US', 'GB', 'XX', '', 'de'),
        areaCode: fc.option(fc.oneof(fc.constantFrom('30', '030', '89', ''), fc.string({ maxLength: 6 }))),
      });
      const raw = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: fc.constantFrom(...'0123456789+()-/. #*'), maxLength: 30 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
      );
      fc.assert(
        fc.property(raw, settings, (r, s) => {
          const n = normalizeNumber(r, s);
          assert.equal(n.raw, r);
          assert.ok(n.e164 === null || /^\+[1-9]\d{1,14}$/.test(n.e164), `not E.164: ${n.e164}`);
          if (n.withheld) assert.equal(n.e164, null);
        }),
        { numRuns: 2000 },
      );
    });
  });
});

describe('isKnownCountry', () => {
  it('knows ISO codes with numbering rules, upper case only', () => {
    assert.equal(isKnownCountry('DE'), true);
    assert.equal(isKnownCountry('DK'), true);
    assert.equal(isKnownCountry('XX'), false);
    assert.equal(isKnownCountry('de'), false);
    assert.equal(isKnownCountry(''), false);
  });
});

describe('numberReader', () => {
  it('reads like normalizeNumber, remembers, and hands out copies that cannot change its memory', () => {
    const settings = { defaultCountry: 'DE', areaCode: '30' };
    const read = numberReader(settings, 2);
    for (const raw of ['030 1234567', '1234567', 'anonymous', '030 1234567', '201', '+45 33 12 34 56']) {
      assert.deepEqual(read(raw), normalizeNumber(raw, settings));
    }
    const a = read('030 1234567');
    a.e164 = 'changed';
    assert.equal(read('030 1234567').e164, '+49301234567');
  });
});
