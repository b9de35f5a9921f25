/*
 * The mcp-chat preset end to end: `recommended,mcp,mcp-chat` started with
 * `npm start`, the community MCP chat backend pointed by MCP_CHAT_BASE_URL
 * at a scripted OpenAI-compatible model on loopback. The model answers with
 * a call of a catalog tool; the chat backend runs it against our own MCP
 * server (/api/mcp-actions/v1, reached through the backend's base URL with
 * the preset's static token) and hands the result back to the model, whose
 * final answer quotes what only the real catalog knows (the entity's uid).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  CatalogEntity,
  componentCatalogFile,
  relationRefs,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  ChatCompletionRequest,
  ScriptedModel,
  lastToolResult,
  startScriptedModel,
} from '@devportal/test-utils/src/fakes/openai';
import { connectWithToken } from '@devportal/test-utils/src/mcp/connect';

jest.setTimeout(240_000);

const API_KEY = 'sk-mcpchat-e2e-4f1d8a0c9b7e6d5a3c2b';
const MCP_TOKEN = 'mcp-chat-e2e-7c3b9e1f0a2d4c6b8e0f';
const MODEL = 'scripted-gpt';
const ENTITY = 'payments-api';
const OWNER = 'team-payments';
const GET_ENTITY_TOOL = 'catalog.get-catalog-entity';
const QUESTION = `Who owns ${ENTITY}?`;

/** The preset's variables, with the scripted model as the provider. */
function chatEnv(model: ScriptedModel): Record<string, string> {
  return {
    VEECODE_PRESETS: 'recommended,mcp,mcp-chat',
    MCP_CHAT_PROVIDER: 'openai',
    MCP_CHAT_API_KEY: API_KEY,
    MCP_CHAT_MODEL: MODEL,
    MCP_CHAT_BASE_URL: model.baseUrl,
  };
}

/** A person signed in as guest (no identity preset is selected): their Backstage token. */
async function signInAsGuest(backend: BackendProcess): Promise<string> {
  const res = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(res.status).toBe(200);
  const session = await res.json();
  return session.backstageIdentity.token;
}

async function getJson(backend: BackendProcess, route: string, token: string) {
  const res = await fetch(`${backend.baseUrl}${route}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

/** Reads the entity until the catalog has processed its location. */
async function waitForEntity(
  backend: BackendProcess,
  token: string,
  timeoutMs = 60_000,
): Promise<CatalogEntity> {
  const route = `/api/catalog/entities/by-name/component/default/${ENTITY}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await getJson(backend, route, token);
    if (status === 200 && relationRefs(body, 'ownedBy').length > 0) {
      return body;
    }
    if (Date.now() >= deadline) {
      throw new Error(`catalog never served ${ENTITY}: ${status}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

/** The entity a tool result holds, if it holds one. */
function entityIn(result: string): CatalogEntity | undefined {
  try {
    const value = JSON.parse(result);
    return value?.metadata?.uid ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The final answer the scripted model gives for an entity it was handed. */
function answerFor(entity: CatalogEntity): string {
  return `${entity.metadata.name} (uid ${
    entity.metadata.uid
  }) is owned by ${relationRefs(entity, 'ownedBy').join(', ')}.`;
}

/**
 * First turn: call the catalog tool for the entity. Second: answer from the
 * tool result, or say what came back when it is no entity, so that a
 * failure shows in the answer the test compares.
 */
const script = [
  () => ({
    toolCalls: [
      {
        name: GET_ENTITY_TOOL,
        arguments: { kind: 'Component', namespace: 'default', name: ENTITY },
      },
    ],
  }),
  (request: ChatCompletionRequest) => {
    const result = lastToolResult(request);
    const handedBack = entityIn(result);
    return {
      content: handedBack
        ? answerFor(handedBack)
        : `The tool did not return an entity: ${result}`,
    };
  },
];

describe('mcp-chat with a scripted OpenAI-compatible model', () => {
  let dir: string;
  let model: ScriptedModel;
  let backend: BackendProcess;
  let guestToken: string;
  let entity: CatalogEntity;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-chat-'));
    const catalogFile = path.join(dir, 'catalog-info.yaml');
    fs.writeFileSync(catalogFile, componentCatalogFile(ENTITY, OWNER));
    model = await startScriptedModel({ apiKey: API_KEY, model: MODEL, script });
    backend = await startBackendProcess({
      env: {
        ...chatEnv(model),
        MCP_CHAT_MCP_TOKEN: MCP_TOKEN,
        APP_CONFIG_catalog_locations: JSON.stringify([
          { type: 'file', target: catalogFile },
        ]),
      },
    });
    await backend.waitForReady(120_000);
    guestToken = await signInAsGuest(backend);
    entity = await waitForEntity(backend, guestToken);
  });

  afterAll(async () => {
    await backend?.stop();
    await model?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects the chat to our MCP server through the base URL, with its catalog tools', async () => {
    const status = await getJson(
      backend,
      '/api/mcp-chat/mcp/status',
      guestToken,
    );
    expect(status.body).toMatchObject({
      total: 1,
      active: 1,
      servers: [
        {
          id: 'devportal',
          url: `${backend.baseUrl}/api/mcp-actions/v1`,
          status: { valid: true, connected: true },
        },
      ],
    });
    const tools = await getJson(backend, '/api/mcp-chat/tools', guestToken);
    expect(tools.status).toBe(200);
    const names = (
      tools.body.availableTools as Array<{
        function: { name: string };
        serverId: string;
      }>
    ).map(t => `${t.serverId} ${t.function.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        `devportal ${GET_ENTITY_TOOL}`,
        'devportal catalog.query-catalog-entities',
      ]),
    );
  });

  it('answers a signed-in person with what the catalog tool returned', async () => {
    const res = await fetch(`${backend.baseUrl}/api/mcp-chat/chat`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${guestToken}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        messages: [{ role: 'user', content: QUESTION }],
      }),
    });
    const reply = await res.json();
    expect(model.refused()).toEqual([]);
    expect(res.status).toBe(200);
    expect(reply).toMatchObject({
      role: 'assistant',
      content: answerFor(entity),
      toolsUsed: [GET_ENTITY_TOOL],
      toolResponses: [{ name: GET_ENTITY_TOOL, serverId: 'devportal' }],
    });

    // The model was asked twice: with the question and our tools, then
    // with the result of the tool call, which is the catalog's own entity.
    expect(model.requests()).toHaveLength(2);
    const [first, second] = model.requests();
    expect(first.messages.at(-1)).toEqual({ role: 'user', content: QUESTION });
    expect(first.tools?.map(t => t.function.name)).toContain(GET_ENTITY_TOOL);
    const handedBack = JSON.parse(lastToolResult(second)) as CatalogEntity;
    expect(handedBack.metadata).toMatchObject({
      name: ENTITY,
      uid: entity.metadata.uid,
    });
    expect(relationRefs(handedBack, 'ownedBy')).toEqual([
      `group:default/${OWNER}`,
    ]);
  });

  it('lets the chat token reach the MCP server and the plugins it calls, nothing else', async () => {
    const client = await connectWithToken(
      `${backend.baseUrl}/api/mcp-actions/v1`,
      MCP_TOKEN,
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map(t => t.name)).toContain(GET_ENTITY_TOOL);
    } finally {
      await client.close();
    }
    for (const route of ['/api/mcp-chat/tools', '/api/presets/plugins']) {
      const res = await fetch(`${backend.baseUrl}${route}`, {
        headers: { Authorization: `Bearer ${MCP_TOKEN}` },
      });
      expect([route, res.status]).toEqual([route, 403]);
    }
  });

  it('keeps the API key and the MCP token out of the backend output', async () => {
    // The provider status sends the key to the model, which checks it.
    const provider = await getJson(
      backend,
      '/api/mcp-chat/provider/status',
      guestToken,
    );
    expect(provider.body.providers).toEqual([
      expect.objectContaining({
        model: MODEL,
        baseUrl: model.baseUrl,
        connection: { connected: true, models: [MODEL] },
      }),
    ]);
    expect(backend.output()).not.toContain(API_KEY);
    expect(backend.output()).not.toContain(MCP_TOKEN);
  });
});

describe('mcp-chat without MCP_CHAT_MCP_TOKEN', () => {
  let model: ScriptedModel;
  let backend: BackendProcess;

  beforeAll(async () => {
    model = await startScriptedModel({
      apiKey: API_KEY,
      model: MODEL,
      script: [],
    });
    backend = await startBackendProcess({ env: chatEnv(model) });
    await backend.waitForReady(120_000);
  });

  afterAll(async () => {
    await backend?.stop();
    await model?.stop();
  });

  it('connects the chat to its MCP server with a token of this process, printed nowhere', async () => {
    const guestToken = await signInAsGuest(backend);
    const status = await getJson(
      backend,
      '/api/mcp-chat/mcp/status',
      guestToken,
    );
    expect(status.body).toMatchObject({
      active: 1,
      servers: [{ id: 'devportal', status: { connected: true } }],
    });
    const tools = await getJson(backend, '/api/mcp-chat/tools', guestToken);
    expect(JSON.stringify(tools.body)).toContain(GET_ENTITY_TOOL);
    // the per-process token is 64 hex characters; none is in the output
    expect(backend.output()).not.toMatch(/[0-9a-f]{64}/);
  });

  it('admits nobody else with a token of their own', async () => {
    const url = `${backend.baseUrl}/api/mcp-actions/v1`;
    await expect(
      connectWithToken(url, 'a-guess-at-the-chat-token-0123456789'),
    ).rejects.toMatchObject({ code: 401 });
  });
});
