import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readContactNumber } from './contact-number.ts';

const DE = { defaultCountry: 'DE', areaCode: '30' };

describe('readContactNumber', () => {
  it('normalizes every written German form to one E.164', () => {
    for (const raw of ['+49 30 1234567', '0049 30 1234567', '030/1234567', '030-1234567', '+49 (0)30 1234567', '030.123.45.67', '030 123 45 67', '1234567']) {
      assert.deepEqual(readContactNumber(raw, undefined, undefined, DE), { raw, e164: '+49301234567', type: 'business', switchboard: false }, raw);
    }
  });

  it('infers a switchboard from the trailing -0 and keeps the 0 in the E.164', () => {
    for (const raw of ['+49 89 445566-0', '089 445566-0', '089 445566 - 0']) {
      const read = readContactNumber(raw, undefined, undefined, DE);
      assert.equal(read.e164, '+49894455660', raw);
      assert.equal(read.switchboard, true, raw);
    }
  });

  it('does not take other numbers ending in 0 for switchboards', () => {
    for (const raw of ['+49 89 4455660', '030-1234560', '089 445566 0', '+49 89 445566-10']) {
      assert.equal(readContactNumber(raw, undefined, undefined, DE).switchboard, false, raw);
    }
  });

  it('lets an explicit switchboard flag win over the written form', () => {
    assert.equal(readContactNumber('+49 89 4455660', 'business', true, DE).switchboard, true);
    assert.equal(readContactNumber('+49 89 445566-0', 'business', false, DE).switchboard, false);
  });

  it('keeps the given type and unreadable numbers raw', () => {
    assert.equal(readContactNumber('+49 171 1234567', 'mobile', undefined, DE).type, 'mobile');
    assert.deepEqual(readContactNumber('call me-0', 'other', true, DE), { raw: 'call me-0', e164: null, type: 'other', switchboard: false });
  });

  it('reads other countries under their settings', () => {
    assert.equal(readContactNumber('33 12 34 56', undefined, undefined, { defaultCountry: 'DK', areaCode: null }).e164, '+4533123456');
    assert.equal(readContactNumber('01 5131234', undefined, undefined, { defaultCountry: 'AT', areaCode: '1' }).e164, '+4315131234');
    assert.equal(readContactNumber('044 668 18 00', undefined, undefined, { defaultCountry: 'CH', areaCode: '44' }).e164, '+41446681800');
    assert.equal(readContactNumber('415-555-2671', undefined, undefined, { defaultCountry: 'US', areaCode: null }).e164, '+14155552671');
  });
});
