// Named message templates: a rule lists the sentences it can say (`messages`, with `{name}`
// placeholders) and fills them in its check, so each message can be reviewed in one place and a
// test can tell that every finding's text comes from one of its rule's templates.

/** The placeholder names of a template: `'"{text}" is not {what}'` → `'text' | 'what'`. */
export type Placeholders<Template extends string> = Template extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;

/** A rule's templates by name; declare them `as const` so placeholder names are checked. */
export type MessageTemplates = Readonly<Record<string, string>>;

/** The template with each `{name}` replaced by its value; a misspelt or missing name does not compile. */
export function fill<Template extends string>(template: Template, values: Record<Placeholders<Template>, string | number>): string {
  const given = values as Record<string, string | number>;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(given[name]));
}

/** A pattern matching every text `fill` can make of the template (each placeholder stands for any text). */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*?')}$`);
}
