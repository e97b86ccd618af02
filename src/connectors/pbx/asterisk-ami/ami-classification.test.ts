import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyChannel,
  compileClassification,
  DEFAULT_CLASSIFICATION,
  extensionInInterface,
  extensionInName,
  localChannel,
  type ChannelRole,
} from './ami-classification.ts';

const defaults = compileClassification();

function role(Channel: string, Context: string, ids: { Uniqueid?: string; Linkedid?: string } = {}, originated?: boolean): ChannelRole {
  return classifyChannel({ Channel, Context, Uniqueid: ids.Uniqueid ?? '1.5', Linkedid: ids.Linkedid ?? '1.1' }, defaults, { originated });
}

describe('channel classification, defaults', () => {
  it('PJSIP/SIP/IAX2 endpoints: digits are phones, names are trunks (when the context says nothing)', () => {
    assert.equal(role('PJSIP/201-0000002b', 'default'), 'phone');
    assert.equal(role('SIP/2001-00000a1f', 'default'), 'phone');
    assert.equal(role('IAX2/203-1234', 'default'), 'phone');
    assert.equal(role('PJSIP/provider-0000002a', 'default'), 'trunk');
    assert.equal(role('PJSIP/telekom-sip-0000002a', 'default'), 'trunk');
    assert.equal(role('SIP/sipgate-00000a1f', ''), 'trunk');
    assert.equal(role('DAHDI/i1/0301234567-1', 'default'), 'unknown');
  });

  it('FreePBX contexts decide before channel names', () => {
    assert.equal(role('PJSIP/provider-0000002a', 'from-pstn'), 'trunk');
    assert.equal(role('PJSIP/anna-0000002a', 'from-internal'), 'phone');
    assert.equal(role('PJSIP/4930123456-0000002a', 'from-trunk'), 'trunk');
    assert.equal(role('PJSIP/x-1', 'from-trunk-sipgate'), 'trunk', 'from-trunk* matches any suffix');
    assert.equal(role('PJSIP/x-1', 'FROM-DID-DIRECT'), 'trunk', 'contexts match case-insensitively');
    assert.equal(role('PJSIP/x-1', 'from-sip-external'), 'trunk');
    assert.equal(role('PJSIP/x-1', 'from-external'), 'trunk');
    assert.equal(role('PJSIP/x-1', 'from-internal-xfer'), 'phone');
    assert.equal(role('PJSIP/x-1', 'macro-dial-one'), 'phone');
    assert.equal(role('PJSIP/x-1', 'ext-local'), 'phone');
  });

  it('Local pairs of the recordings, as the fixtures README reads them', () => {
    // Originated (AMI Originate): ;1 is the handset artefact (Uniqueid === Linkedid), ;2 the real party.
    assert.equal(role('Local/0301234560@from-trunk-00000000;1', 'from-trunk', { Uniqueid: '9.0', Linkedid: '9.0' }), 'local-artefact');
    assert.equal(role('Local/0301234560@from-trunk-00000000;2', 'from-trunk', { Uniqueid: '9.1', Linkedid: '9.0' }, true), 'trunk');
    assert.equal(role('Local/040555123@internal-00000006;1', 'internal', { Uniqueid: '9.12', Linkedid: '9.12' }), 'local-artefact');
    assert.equal(role('Local/040555123@internal-00000006;2', 'internal', { Uniqueid: '9.13', Linkedid: '9.12' }, true), 'phone');
    // Dialed: ;1 is the party reached, ;2 the artefact.
    assert.equal(role('Local/201@phones-00000001;1', 'phones', { Uniqueid: '9.2', Linkedid: '9.0' }), 'phone');
    assert.equal(role('Local/201@phones-00000001;2', 'phones', { Uniqueid: '9.3', Linkedid: '9.0' }, false), 'local-artefact');
    assert.equal(role('Local/202@agents-0000000c;1', 'agents', { Uniqueid: '9.24', Linkedid: '9.20' }), 'phone');
    assert.equal(role('Local/040555123@pstn-00000007;1', 'pstn', { Uniqueid: '9.14', Linkedid: '9.12' }), 'trunk');
    assert.equal(role('Local/040555123@pstn-00000007;2', 'pstn', { Uniqueid: '9.15', Linkedid: '9.12' }, false), 'local-artefact');
  });

  it('a Local ;2 whose ;1 is unknown counts as dialed; a Local in an unknown context is unknown', () => {
    assert.equal(role('Local/201@phones-00000001;2', 'phones'), 'local-artefact');
    assert.equal(role('Local/201@from-queue-00000001;1', 'from-queue'), 'phone');
    assert.equal(role('Local/s@custom-ivr-0000001;1', 'custom-ivr'), 'unknown');
    // The Local's own context counts, not the Context header (which moves with the dialplan).
    assert.equal(role('Local/201@phones-00000001;1', 'from-trunk'), 'phone');
  });
});

describe('channel classification, configured', () => {
  it('a given list replaces that default list; the others stay', () => {
    const c = compileClassification({ trunkContexts: ['carrier-in'], phoneChannelPatterns: ['^PJSIP/(anna|max)-'] });
    const r = (Channel: string, Context: string) => classifyChannel({ Channel, Context }, c);
    assert.equal(r('PJSIP/x-1', 'carrier-in'), 'trunk');
    assert.equal(r('PJSIP/201-1', 'from-trunk'), 'unknown', 'from-trunk is no trunk context any more, and 201 no phone pattern');
    assert.equal(r('PJSIP/anna-0000001', 'default'), 'trunk', 'trunk patterns are still the default ones and match first');
    assert.equal(r('PJSIP/x-1', 'from-internal'), 'phone');
    const extended = compileClassification({ trunkContexts: [...DEFAULT_CLASSIFICATION.trunkContexts, 'carrier-in'] });
    assert.equal(classifyChannel({ Channel: 'PJSIP/x-1', Context: 'from-pstn' }, extended), 'trunk');
  });

  it('invalid regexes and garbage config are skipped, never thrown', () => {
    const c = compileClassification({ trunkChannelPatterns: ['(', '^IAX2/'], phoneContexts: [42 as unknown as string] });
    assert.equal(classifyChannel({ Channel: 'IAX2/foo-1' }, c), 'trunk');
    assert.equal(classifyChannel({}, defaults), 'unknown');
    assert.equal(classifyChannel({ Channel: 7, Context: null } as unknown as Record<string, string>, defaults), 'unknown');
    assert.equal(classifyChannel(Object.create(null) as Record<string, string>, defaults), 'unknown');
  });
});

describe('channel names', () => {
  it('reads Local channel names', () => {
    assert.deepEqual(localChannel('Local/201@phones-00000001;1'), { exten: '201', context: 'phones', base: 'Local/201@phones-00000001', half: 1 });
    assert.deepEqual(localChannel('Local/0301234560@from-trunk-0000000a;2')?.context, 'from-trunk');
    assert.equal(localChannel('Local/201@phones'), null);
    assert.equal(localChannel('PJSIP/201-00000001'), null);
  });

  it('finds the extension in channel names and queue interfaces', () => {
    assert.equal(extensionInName('PJSIP/201-0000002b'), '201');
    assert.equal(extensionInName('Local/203@phones-0000000f;1'), '203');
    assert.equal(extensionInName('Local/040555123@pstn-00000007;1'), null, 'a subscriber number is no extension');
    assert.equal(extensionInName('PJSIP/provider-0000002a'), null);
    assert.equal(extensionInInterface('Local/201@agents'), '201');
    assert.equal(extensionInInterface('Local/201@from-queue/n'), '201');
    assert.equal(extensionInInterface('PJSIP/202'), '202');
    assert.equal(extensionInInterface('PJSIP/anna'), null);
  });
});
