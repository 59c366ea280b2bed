import type { FieldError } from '../errors.js';
import { compileExpression } from './expression-compiler.js';
import { ExpressionSyntaxError, isExpression } from './expression-parser.js';

export const mappingDescription =
  'Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping).';

/** How one source type names its attributes. */
export interface AttributeNaming {
  /** An error message when `name` cannot be one of the source's attributes. */
  checkAttribute(name: string): string | null;
}

const LDAP_ATTRIBUTE_RE = /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/;
const PATH_RE =
  /^[A-Za-z0-9_$@:-]+(\.[A-Za-z0-9_$@:-]+)*(\s*\|\s*[A-Za-z0-9_$@:-]+(\.[A-Za-z0-9_$@:-]+)*)*$/;

/** LDAP and AD: attribute descriptions (a name or an OID, with options). */
export const ldapAttributeNaming: AttributeNaming = {
  checkAttribute: (name) =>
    LDAP_ATTRIBUTE_RE.test(name) ? null : `"${name}" is not an LDAP attribute name`,
};

/** Cloud sources: dotted paths into the provider's JSON, `|` between alternatives. */
export const pathAttributeNaming: AttributeNaming = {
  checkAttribute: (name) =>
    PATH_RE.test(name) ? null : `"${name}" is not an attribute path such as name.givenName`,
};

/**
 * Checks every value of an `attributeMapping`: a plain attribute as the source names
 * them, or an expression that compiles (its attributes checked the same way). Errors
 * name `attributeMapping.<target>` and, for expressions, the 1-based position.
 */
export function checkAttributeMapping(
  mapping: Record<string, string>,
  naming: AttributeNaming,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const [target, value] of Object.entries(mapping)) {
    const field = `attributeMapping.${target}`;
    if (!value) continue;
    if (!isExpression(value)) {
      const problem = naming.checkAttribute(value);
      if (problem) errors.push({ field, message: problem });
      continue;
    }
    if (target === 'externalId') {
      errors.push({
        field,
        message: 'must be an attribute, not an expression: it ties each user to its source object',
      });
      continue;
    }
    try {
      compileExpression(value, { checkAttribute: naming.checkAttribute });
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      errors.push({ field, message: `invalid expression ${error.message}` });
    }
  }
  return errors;
}
