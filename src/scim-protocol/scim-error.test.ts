import { describe, expect, it } from 'vitest';
import { renderScimError, ScimError, SCIM_ERROR_SCHEMA } from './scim-error.js';

describe('renderScimError', () => {
  it('renders an RFC 7644 §3.12 body with the status as a string', () => {
    expect(renderScimError(ScimError.invalidFilter('Invalid filter at position 3'))).toEqual({
      status: 400,
      body: {
        schemas: [SCIM_ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidFilter',
        detail: 'Invalid filter at position 3',
      },
    });
  });

  it.each([
    [ScimError.uniqueness('userName "a" is taken'), 409, 'uniqueness'],
    [ScimError.mutability('id is read-only'), 400, 'mutability'],
    [ScimError.noTarget('x'), 400, 'noTarget'],
    [ScimError.invalidPath('x'), 400, 'invalidPath'],
    [ScimError.invalidSyntax('x'), 400, 'invalidSyntax'],
    [ScimError.invalidValue('x'), 400, 'invalidValue'],
    [ScimError.tooMany('x'), 400, 'tooMany'],
    [new ScimError(400, 'invalidVers', 'x'), 400, 'invalidVers'],
    [ScimError.notFound('User "1" not found'), 404, undefined],
    [ScimError.unauthorized(), 401, undefined],
    [ScimError.preconditionFailed(), 412, undefined],
    [ScimError.payloadTooLarge('x'), 413, undefined],
    [ScimError.tooManyRequests(), 429, undefined],
  ])('%s → %i %s', (error, status, scimType) => {
    const rendered = renderScimError(error);
    expect(rendered.status).toBe(status);
    expect(rendered.body.status).toBe(String(status));
    expect(rendered.body.scimType).toBe(scimType);
    expect('scimType' in rendered.body).toBe(scimType !== undefined);
  });

  it('hides the details of unexpected errors', () => {
    const rendered = renderScimError(new Error('connection to db at 10.0.0.3 refused'));
    expect(rendered).toEqual({
      status: 500,
      body: { schemas: [SCIM_ERROR_SCHEMA], status: '500', detail: 'Internal server error' },
    });
  });
});
