import { z } from 'zod';

/**
 * A strict structural check of Adaptive Cards against the 1.5 schema, for the subset of elements
 * and actions this project renders (TextBlock, FactSet, Container, ColumnSet/Column, ActionSet, Input.Text;
 * Action.Submit/OpenUrl/ToggleVisibility/Execute). Unknown properties and element types fail, enum
 * values are case-insensitive as in the spec. Written from https://adaptivecards.io/explorer/
 * (schema 1.5); it is not the official JSON Schema, which is not available offline.
 */
const ci = <T extends string>(values: readonly T[]) =>
  z.string().refine((s) => values.some((v) => v.toLowerCase() === s.toLowerCase()), { message: `must be one of ${values.join(', ')}` });

const spacing = ci(['default', 'none', 'small', 'medium', 'large', 'extraLarge', 'padding']);
const common = {
  id: z.string().optional(),
  isVisible: z.boolean().optional(),
  separator: z.boolean().optional(),
  spacing: spacing.optional(),
  height: ci(['auto', 'stretch']).optional(),
  requires: z.record(z.string(), z.string()).optional(),
  fallback: z.unknown().optional(),
};

const actionCommon = {
  title: z.string().optional(),
  iconUrl: z.string().optional(),
  id: z.string().optional(),
  style: ci(['default', 'positive', 'destructive']).optional(),
  tooltip: z.string().optional(),
  isEnabled: z.boolean().optional(),
  mode: ci(['primary', 'secondary']).optional(),
  requires: z.record(z.string(), z.string()).optional(),
  fallback: z.unknown().optional(),
};

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Action.Submit'), data: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(), associatedInputs: ci(['auto', 'none']).optional(), ...actionCommon }),
  z.strictObject({ type: z.literal('Action.Execute'), verb: z.string().optional(), data: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(), associatedInputs: ci(['auto', 'none']).optional(), ...actionCommon }),
  z.strictObject({ type: z.literal('Action.OpenUrl'), url: z.string().min(1), ...actionCommon }),
  z.strictObject({ type: z.literal('Action.ToggleVisibility'), targetElements: z.array(z.union([z.string(), z.strictObject({ elementId: z.string(), isVisible: z.boolean().nullable().optional() })])), ...actionCommon }),
]);

const textBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string().min(1),
  color: ci(['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention']).optional(),
  fontType: ci(['default', 'monospace']).optional(),
  horizontalAlignment: ci(['left', 'center', 'right']).optional(),
  isSubtle: z.boolean().optional(),
  maxLines: z.number().int().positive().optional(),
  size: ci(['default', 'small', 'medium', 'large', 'extraLarge']).optional(),
  weight: ci(['default', 'lighter', 'bolder']).optional(),
  wrap: z.boolean().optional(),
  style: ci(['default', 'heading']).optional(),
  ...common,
});

const factSet = z.strictObject({ type: z.literal('FactSet'), facts: z.array(z.strictObject({ title: z.string(), value: z.string() })).min(1), ...common });
const containerStyle = ci(['default', 'emphasis', 'good', 'attention', 'warning', 'accent']);

const inputText = z.strictObject({
  type: z.literal('Input.Text'),
  ...common,
  id: z.string().min(1),
  isMultiline: z.boolean().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  placeholder: z.string().optional(),
  regex: z.string().optional(),
  style: ci(['text', 'tel', 'url', 'email', 'password']).optional(),
  inlineAction: actionSchema.optional(),
  value: z.string().optional(),
  label: z.string().optional(),
  isRequired: z.boolean().optional(),
  errorMessage: z.string().optional(),
});

type Element = z.infer<typeof textBlock> | z.infer<typeof factSet> | z.infer<typeof inputText> | { type: 'Container' | 'ColumnSet' | 'ActionSet'; [k: string]: unknown };
export const elementSchema: z.ZodType<Element> = z.lazy(() => z.discriminatedUnion('type', [
  textBlock,
  factSet,
  inputText,
  z.strictObject({
    type: z.literal('Container'), items: z.array(elementSchema), style: containerStyle.optional(), bleed: z.boolean().optional(),
    minHeight: z.string().optional(), rtl: z.boolean().nullable().optional(), verticalContentAlignment: ci(['top', 'center', 'bottom']).optional(),
    selectAction: actionSchema.optional(), ...common,
  }),
  z.strictObject({
    type: z.literal('ColumnSet'),
    columns: z.array(z.strictObject({ type: z.literal('Column').optional(), items: z.array(elementSchema).optional(), width: z.union([z.string(), z.number()]).optional(), style: containerStyle.optional(), ...common })).optional(),
    style: containerStyle.optional(), bleed: z.boolean().optional(), horizontalAlignment: ci(['left', 'center', 'right']).optional(), ...common,
  }),
  z.strictObject({ type: z.literal('ActionSet'), actions: z.array(actionSchema), ...common }),
]) as unknown as z.ZodType<Element>);

export const adaptiveCard15Schema = z.strictObject({
  type: z.literal('AdaptiveCard'),
  version: z.literal('1.5'),
  $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json').optional(),
  body: z.array(elementSchema).optional(),
  actions: z.array(actionSchema).optional(),
  fallbackText: z.string().optional(),
  speak: z.string().optional(),
  lang: z.string().optional(),
  minHeight: z.string().optional(),
  rtl: z.boolean().nullable().optional(),
  verticalContentAlignment: ci(['top', 'center', 'bottom']).optional(),
});

/** Issues of a card against the 1.5 subset, as `path: message` lines (empty when valid). */
export function adaptiveCardIssues(card: unknown): string[] {
  const r = adaptiveCard15Schema.safeParse(card);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
