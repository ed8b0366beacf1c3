import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { parse } from 'yaml';

/** docs/openapi.yaml from the repository root, which the services run from (the image keeps the same layout). */
const openApiFile = (): string | undefined => {
  for (const dir of [process.cwd(), resolve(__dirname, '..', '..', '..')]) {
    const file = join(dir, 'docs', 'openapi.yaml');
    if (existsSync(file)) return file;
  }
  return undefined;
};

interface PathItem {
  servers?: { url: string; description?: string }[];
  [method: string]: unknown;
}

/**
 * One service's part of the published contract: the operations whose servers name it, plus /health. The contract
 * is docs/openapi.yaml, which the docs-drift test holds to the controllers' routes, decorators' access rules and
 * the zod schemas, so what /docs serves cannot drift from the code either.
 */
export const serviceApiDocument = (service: string, document: OpenAPIObject): OpenAPIObject => {
  const paths = Object.fromEntries(
    Object.entries(document.paths as Record<string, PathItem>)
      .filter(([path, item]) => path === '/health' || (item.servers ?? []).some((s) => s.description === service))
      .map(([path, item]) => {
        const { servers: _servers, ...operations } = item;
        return [path, operations];
      }),
  );
  const server = (document.servers ?? []).filter((s) => s.description === service);
  return {
    ...document,
    info: { ...document.info, title: `${document.info.title}: ${service}` },
    servers: server,
    paths,
  } as OpenAPIObject;
};

/** Serves the service's contract at /docs (Swagger UI) and /docs-json. A build without docs/ serves none. */
export const serveApiDocs = (app: INestApplication, service: string): boolean => {
  const file = openApiFile();
  if (!file) return false;
  const document = parse(readFileSync(file, 'utf8')) as OpenAPIObject;
  SwaggerModule.setup('docs', app, serviceApiDocument(service, document), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: `Closeloop ${service} API`,
  });
  return true;
};
