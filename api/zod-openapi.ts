import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// The generator reads metadata through `schema.openapi`; zod gets it once, here, before any document is built.
extendZodWithOpenApi(z);
