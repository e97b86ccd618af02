import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, renderTemplate, type TemplateMode } from './template.ts';
import { actionVariables, sampleCall } from './variables.ts';

const render = (source: string, mode: TemplateMode, call = sampleCall('t'), ext: string | null = '201') => {
  const c = compileTemplate(source, mode);
  if (!c.ok) throw new Error(c.error);
  return renderTemplate(c.template, actionVariables(call, ext));
};

describe('action templates', () => {
  it('fills every variable, labels and skills in both forms, with ${…} delimiters and dashed names', () => {
    const text = render('${number}|${name}|${company}|${extension}|${direction}|${callId}|${did}|${queue}|${MDC_LABEL-VIP}|${labels.VIP}|${MDC_SKILL-english}|${skills.english}', 'text');
    assert.equal(text, '+49301234567|Erika Mustermann|Muster GmbH|201|inbound|0194f0c2-0000-7000-8000-000000000000|+4930999000|support|yes|yes|1|1');
  });

  it('URL-encodes values inside URL templates, not the literal text', () => {
    const call = { ...sampleCall('t'), caller: { contactId: null, name: 'A&B =C', company: 'Müller/Söhne', matchType: 'exact' } };
    assert.equal(render('https://crm.example/s?q=${number}&n=${name}&c=${company}', 'url', call), 'https://crm.example/s?q=%2B49301234567&n=A%26B%20%3DC&c=M%C3%BCller%2FS%C3%B6hne');
    assert.equal(render('https://crm.example/s?q=${number}', 'text'), 'https://crm.example/s?q=+49301234567');
  });

  it('renders unknown labels and a missing caller as empty', () => {
    const call = { ...sampleCall('t'), caller: null, labels: {} };
    assert.equal(render('[${name}][${MDC_LABEL-nothing}][${company}]', 'text', call), '[][][]');
  });

  it('refuses unknown variables, unknown filters, broken syntax and file access at compile time', () => {
    const cases: Array<[string, RegExp]> = [
      ['${numbr}', /unknown variable \$\{numbr\}/],
      ['${name | shell}', /undefined filter: shell/],
      ['https://x/${name', /not closed/],
      ['{% include "/etc/passwd" %}', /.+/],
      ['{% render "secrets" %}', /.+/],
      ['x'.repeat(5000), /longer than/],
    ];
    for (const [source, error] of cases) {
      const r = compileTemplate(source, 'text');
      assert.equal(r.ok, false, source.slice(0, 40));
      if (!r.ok) assert.match(r.error, error);
    }
  });

  it('supports liquid tags for conditional parts and standard filters', () => {
    assert.equal(render('{% if queue != "" %}q=${queue}{% else %}direct{% endif %}', 'text'), 'q=support');
    assert.equal(render('${ name | upcase }', 'text'), 'ERIKA MUSTERMANN');
  });

  it('takes the other party as ${number}: the callee of an outbound call, empty when withheld', () => {
    const out = { ...sampleCall('t'), direction: 'outbound' as const, from: { raw: '201', e164: null, withheld: false }, to: { raw: '0171 9876543', e164: '+491719876543', withheld: false } };
    assert.equal(render('${number}/${direction}', 'text', out), '+491719876543/outbound');
    const anon = { ...sampleCall('t'), from: { raw: 'anonymous', e164: null, withheld: true } };
    assert.equal(render('[${number}]', 'text', anon), '[]');
  });
});
