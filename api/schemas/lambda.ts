import { z } from 'zod';

/** Lambda's answer to a function error (X-Amz-Function-Error: Unhandled), as Lambda's runtimes write it. */
export const lambdaFunctionErrorSchema = z
  .object({
    errorMessage: z.string(),
    errorType: z.string(),
    stackTrace: z.array(z.string()).describe('The stack, one frame per entry'),
  })
  .describe("A function error, in Lambda's form");

/** Lambda's service error body; its name is in the `x-amzn-ErrorType` header. */
export const lambdaServiceErrorSchema = z
  .object({
    Type: z.enum(['User', 'Service']).describe('User: the request was refused; Service: the platform failed'),
    Message: z.string(),
  })
  .describe("A service error, in Lambda's form (the name, e.g. ResourceNotFoundException, is in x-amzn-ErrorType)");
