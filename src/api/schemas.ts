import { Type, type TSchema } from '@sinclair/typebox';

/** Shapes shared by several routes. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** `?limit=&after=` of every list; `defaultLimit` differs for feeds. */
export const pageFields = (defaultLimit = 50) => ({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: defaultLimit }),
  after: Type.Optional(Type.String({ maxLength: 500 })),
});

export const PageQuery = Type.Object(pageFields(), { additionalProperties: true });

/** `T | null` in a response schema. */
export const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};
