import { describe, expect, it } from 'vitest';
import { diagnoseArgs, diagnoseOfferForms, diagnosisHtml, diagnosisOutcomeForm } from '../../../adapters/web/chat/diagnosis-html.js';
import type { WebUser } from '../../../adapters/web/web-auth.js';
import { sampleDiagnosisView } from '../../support/diagnosis-fixtures.js';

const USER = { csrfToken: 'tok"en', userId: 'bob' } as WebUser;

describe('web chat diagnosis rendering', () => {
  it('renders every section of the structured result, in the cards\' order, with likelihood, citations and sources', () => {
    const out = diagnosisHtml(sampleDiagnosisView()).value;
    const order = ['<h3>', 'Feed-water pump', 'Fault:', 'Safety first', 'Probable causes', 'Checks, in order', 'Parts that may be needed', 'Escalate:', 'Sources (2)'];
    const at = order.map((s) => out.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).toContain('E-214 — High vibration');
    expect(out).toContain('Coupling misalignment after the restart — <span class="likelihood high">High likelihood</span> <span class="cites">[1]</span>');
    expect(out).toContain('→ expect: Offset under 0.05 mm');
    expect(out).toContain('🚨 <strong>Escalate:</strong> yes — Vibration above 7.1 mm/s persists after the checks');
    expect(out).toContain('Centrifugal Pump P-101 Manual');
  });

  it('escapes asset names, model text and sources (they come from the registry and the model)', () => {
    const base = sampleDiagnosisView();
    const evil = '<img src=x onerror="alert(1)">';
    const view = sampleDiagnosisView({
      title: `🔧 Diagnosis for P-101 (${evil})`,
      result: { ...base.result!, asset: { ...base.result!.asset, name: evil, location: 'Hall <2> & "north"' }, causes: [{ cause: '<script>x()</script>', likelihood: 'low', evidence: [] }] },
    });
    const out = diagnosisHtml(view).value;
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(out).toContain('Hall &lt;2&gt; &amp; &quot;north&quot;');
    expect(out).toContain('&lt;MCC-3&gt;');
    expect(out).toContain('&lt;script&gt;x()&lt;/script&gt;');
  });

  it('a failed diagnosis shows its title and the failure; no result, no sections', () => {
    const out = diagnosisHtml(sampleDiagnosisView({ result: null, title: '🔧 Diagnosis for P-101: <E-214>' })).value;
    expect(out).toContain('🔧 Diagnosis for P-101: &lt;E-214&gt;');
    expect(out).toContain('This diagnosis failed');
    expect(out).not.toContain('Probable causes');
  });

  it('/diagnose is recognised at the start of the message only, any case; the rest are its arguments', () => {
    expect(diagnoseArgs('/diagnose P-101 E-214 high vibration')).toBe('P-101 E-214 high vibration');
    expect(diagnoseArgs('  /DIAGNOSE   P-101\nE-214 ')).toBe('P-101\nE-214');
    expect(diagnoseArgs('/diagnose')).toBe('');
    expect(diagnoseArgs('/diagnosed P-101')).toBeNull();
    expect(diagnoseArgs('please /diagnose P-101')).toBeNull();
  });

  it('outcome buttons post the diagnosis id; the recorded outcome is said, with the on-call group when escalated', () => {
    const open = diagnosisOutcomeForm(USER, sampleDiagnosisView()).value;
    expect(open).toContain('<input type="hidden" name="diagnosis" value="42">');
    expect(open).toContain('value="resolved">Resolved</button>');
    expect(open).toContain('value="escalated">Not resolved — escalate</button>');
    expect(open).not.toContain('role="status"');
    expect(diagnosisOutcomeForm(USER, sampleDiagnosisView({ outcome: { value: 'resolved', by: 'bob' } })).value).toContain('✅ Resolved — marked by you.');
    expect(diagnosisOutcomeForm(USER, sampleDiagnosisView({ outcome: { value: 'escalated', by: '<eve>' } })).value).toContain('🚨 Not resolved — escalated by &lt;eve&gt;; on-call: S0PUMPS.');
    // A failed diagnosis has nothing to resolve.
    expect(diagnosisOutcomeForm(USER, sampleDiagnosisView({ result: null })).value).not.toContain('<button');
  });

  it('Diagnose offers are forms posting /diagnose into the same conversation, escaped', () => {
    const out = diagnoseOfferForms(USER, 'chat-1', [{ assetId: 'P-101', assetName: 'Pump', faultCode: 'E-214', args: 'P-101 E-214' }, { assetId: 'M<3', assetName: 'x', faultCode: null, args: 'M<3 "x"' }]).value;
    expect(out).toContain('<input type="hidden" name="text" value="/diagnose P-101 E-214">');
    expect(out).toContain('<input type="hidden" name="chat" value="chat-1">');
    expect(out).toContain('value="tok&quot;en"');
    expect(out).toContain('🔧 Diagnose P-101 (E-214)</button>');
    expect(out).toContain('value="/diagnose M&lt;3 &quot;x&quot;"');
    expect(diagnoseOfferForms(USER, 'c', []).value).toBe('');
  });
});
