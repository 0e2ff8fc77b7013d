import { describe, expect, it } from 'vitest';
import { OpenAiError, parseChatRequest, splitConversation, StopMatcher, sourcesSuffix, buildCompletion, MODEL_ONLY_NOTE, NO_MATCH_NOTE } from '../../../adapters/api/index.js';
import type { SourceRef } from '../../../src/index.js';

const user = (content: unknown) => ({ role: 'user', content });
const body = (extra: Record<string, unknown> = {}) => ({ model: 'r1', messages: [user('Hi')], ...extra });

describe('chat completion requests', () => {
  it('translates messages (text parts joined, developer as system), limits, stop and stream', () => {
    const r = parseChatRequest({
      model: 'r1',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is' }, { type: 'text', text: 'P-101?' }] },
        { role: 'assistant', content: 'A pump.' },
        user('And its seal?'),
      ],
      max_tokens: 100, max_completion_tokens: 50, temperature: 0.6, stop: 'END', user: 'u-1', stream: true, top_p: 0.9, stream_options: { include_usage: true },
    });
    expect(r).toEqual({
      model: 'r1',
      messages: [{ role: 'system', text: 'Be brief.' }, { role: 'user', text: 'What is\nP-101?' }, { role: 'assistant', text: 'A pump.' }, { role: 'user', text: 'And its seal?' }],
      maxTokens: 50, temperature: 0.6, stop: ['END'], user: 'u-1', stream: true,
    });
    expect(splitConversation(r.messages)).toEqual({ system: 'Be brief.', history: [{ role: 'user', text: 'What is\nP-101?' }, { role: 'assistant', text: 'A pump.' }], question: 'And its seal?' });
    expect(parseChatRequest(body()).stream).toBe(false);
    expect(parseChatRequest(body({ max_tokens: 7 })).maxTokens).toBe(7);
    expect(parseChatRequest(body({ n: 1, tools: [], logprobs: false, response_format: { type: 'text' } })).stop).toEqual([]);
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    expect(parseChatRequest(body({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } })).jsonSchema).toEqual(schema);
  });

  it.each([
    [{ n: 2 }, 'n', 'unsupported_parameter'],
    [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools', 'unsupported_parameter'],
    [{ tool_choice: 'auto' }, 'tool_choice', 'unsupported_parameter'],
    [{ functions: [{ name: 'f' }] }, 'functions', 'unsupported_parameter'],
    [{ logprobs: true }, 'logprobs', 'unsupported_parameter'],
    [{ top_logprobs: 3 }, 'top_logprobs', 'unsupported_parameter'],
    [{ response_format: { type: 'json_object' } }, 'response_format', 'unsupported_parameter'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: [{ type: 'string' }] } } }, 'response_format', 'invalid_json_schema'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: 'string' } } }, 'response_format', 'invalid_json_schema'],
    [{ response_format: { type: 'json_schema' } }, 'response_format', 'invalid_value'],
    [{ messages: [user([{ type: 'image_url', image_url: { url: 'x' } }])] }, 'messages[0].content[0].image_url.url', 'invalid_image_url'],
    [{ messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }])] }, 'messages[0].content[0].image_url.url', 'unsupported_image_url'],
    [{ messages: [user([{ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('%PDF-1.4 x').toString('base64')}` } }])] }, 'messages[0].content[0].image_url.url', 'invalid_image'],
    [{ messages: [user([1, 2, 3, 4, 5].map(() => ({ type: 'image_url', image_url: { url: `data:image/gif;base64,${Buffer.from('GIF89a....').toString('base64')}` } })))] }, 'messages[0].content[4]', 'too_many_images'],
    [{ messages: [user([{ type: 'text', text: 'a' }, { type: 'input_audio', input_audio: {} }])] }, 'messages[0].content[1]', 'unsupported_content_type'],
    [{ messages: [user('q'), { role: 'tool', content: 'x', tool_call_id: '1' }] }, 'messages[1].role', 'unsupported_parameter'],
    [{ messages: [user('q'), { role: 'assistant', content: 'a' }] }, 'messages[1].role', 'invalid_value'],
    [{ messages: [] }, 'messages', 'invalid_value'],
    [{ messages: [user('   ')] }, 'messages[0].content', 'invalid_value'],
    [{ messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    [{ temperature: 3 }, 'temperature', 'invalid_value'],
    [{ max_tokens: 0 }, 'max_tokens', 'invalid_value'],
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value'],
    [{ model: '' }, 'model', 'invalid_value'],
  ])('refuses %j with a 400 naming %s', (extra, param, code) => {
    const e = (() => {
      try {
        parseChatRequest(body(extra));
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(OpenAiError);
    expect(e).toMatchObject({ status: 400, param, code, type: 'invalid_request_error' });
  });

  it('refuses a body that is not an object', () => {
    for (const b of [null, [], 'x', 3]) expect(() => parseChatRequest(b)).toThrow(OpenAiError);
  });
});

describe('stop strings', () => {
  it('releases text that cannot start a stop string, cuts at the earliest match across chunks', () => {
    const m = new StopMatcher(['END', 'xyz']);
    expect(m.push('hello E')).toBe('hello');
    expect(m.push('N')).toBe(' '); // ' EN' could still become 'END': 'EN' is held
    expect(m.push('D more')).toBe('');
    expect(m.stopped).toBe(true);
    expect(m.push('anything')).toBe('');
    expect(m.flush()).toBe('');
  });
  it('flushes what it held when the text ends without a match; no stops = passthrough', () => {
    const m = new StopMatcher(['STOP']);
    expect(m.push('abcST')).toBe('ab');
    expect(m.flush()).toBe('cST');
    const none = new StopMatcher([]);
    expect(none.push('abc')).toBe('abc');
  });
});

describe('sources in the answer', () => {
  const sources: SourceRef[] = [
    { n: 1, title: 'P-101 manual', source: 'pumps/p101-manual.md', section: 'Seals › Replacement' },
    { n: 2, title: 'Vendor [note]', source: 'https://docs.example.com/a b', section: '', web: true },
  ];
  it('appends the numbered list as Slack shows it, and the notes for model-only and nothing found', () => {
    expect(sourcesSuffix(sources, 'cited')).toBe(
      '\n\n**Sources**\n[1] **P-101 manual** › Seals › Replacement · `pumps/p101-manual.md`\n[2] 🌐 web · [Vendor \\[note\\]](https://docs.example.com/a%20b)',
    );
    expect(sourcesSuffix([], 'model_only')).toBe(`\n\n_${MODEL_ONLY_NOTE}_`);
    expect(sourcesSuffix([], 'no_match')).toBe(`\n\n_${NO_MATCH_NOTE}_`);
    expect(sourcesSuffix([], 'cited')).toBe('');
  });
  it('returns structured sources with a path or a URL', () => {
    const c = buildCompletion({ id: 'x', created: 1, model: 'r1', content: 'a [1]', reasoning: '', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 4, reasoningTokens: 1 }, sources });
    expect(c.sources).toEqual([
      { index: 1, title: 'P-101 manual', section: 'Seals › Replacement', path: 'pumps/p101-manual.md' },
      { index: 2, title: 'Vendor [note]', section: '', url: 'https://docs.example.com/a b' },
    ]);
    expect(c.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, completion_tokens_details: { reasoning_tokens: 1 } });
    expect(c.choices[0]!.message.reasoning_content).toBeNull();
  });
});

describe('image_url content parts', () => {
  const png = `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]).toString('base64')}`;
  it('takes the last user message\'s data: URLs as images (type from the bytes); earlier turns keep a mark', () => {
    const r = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'image_url', image_url: { url: png } }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: png, detail: 'high' } }] },
      ],
    });
    expect(r.images?.map((i) => [i.name, i.data.byteLength])).toEqual([['image 1', 10]]);
    expect(r.messages[0]!.text).toBe('first\n(an image was attached here)');
    expect(r.messages[2]!.text).toBe(''); // the picture alone is the question
  });
  it('refuses an image over IMAGE_MAX_BYTES with a 400 saying the size and the limit', () => {
    const e = (() => {
      try {
        parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: png } }] }] }, { maxBytes: 5, maxCount: 4 });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toMatchObject({ status: 400, code: 'invalid_image', param: 'messages[0].content[0].image_url.url', message: 'Image 1 is 10 bytes; the limit is 5 bytes per image.' });
  });
});
