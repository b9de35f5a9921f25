/*
 * The HTTP side of the scripted model: OpenAI's chat completions API as the
 * `openai` provider of the MCP chat backend calls it (its
 * `dist/providers/openai-provider.cjs.js`), answered from a script instead
 * of a model. See ./index.ts for what each route answers and why.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  fakeApp,
  HttpError,
  listenOnLoopback,
  readBody,
  sendJson,
} from '../http';

/** A tool call, as OpenAI writes it in an assistant message. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A message of a chat completions request. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

/** A tool the caller offers the model. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown };
}

/** The body of `POST /v1/chat/completions`, as far as the fake reads it. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
}

/** What the model answers one request with: text, or calls of offered tools. */
export type ScriptedReply =
  | { content: string }
  | {
      toolCalls: Array<{ name: string; arguments: Record<string, unknown> }>;
    };

/** One turn of the script: the reply to the request it is given. */
export type ScriptedTurn = (request: ChatCompletionRequest) => ScriptedReply;

/** A request the fake refused, and why (for failure messages). */
export interface RefusedRequest {
  method: string;
  path: string;
  status: number;
  reason: string;
}

/** Everything a route needs. */
export interface ServerContext {
  apiKey: string;
  model: string;
  /** The turns not yet played, first next. */
  script: ScriptedTurn[];
  /** Chat completion requests answered from the script, oldest first. */
  answered: ChatCompletionRequest[];
  refused: RefusedRequest[];
}

/** An error the fake answers with, in OpenAI's error shape. */
function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
): HttpError {
  return new HttpError(status, {
    error: { message, type, param: null, code },
  });
}

/** OpenAI answers a missing or wrong key with 401, without echoing the key. */
function checkApiKey(ctx: ServerContext, req: http.IncomingMessage) {
  if (req.headers.authorization !== `Bearer ${ctx.apiKey}`) {
    throw openAiError(
      401,
      'Incorrect API key provided.',
      'invalid_request_error',
      'invalid_api_key',
    );
  }
}

function invalidRequest(message: string): HttpError {
  return openAiError(400, message, 'invalid_request_error', null);
}

/**
 * The checks OpenAI makes that a caller of the API can get wrong: a known
 * model, messages, and every `tool` message answering a tool call of an
 * earlier assistant message.
 */
function validateChatRequest(ctx: ServerContext, body: unknown) {
  const request = body as Partial<ChatCompletionRequest> | null;
  if (!request || typeof request !== 'object') {
    throw invalidRequest('The request body must be a JSON object.');
  }
  if (request.model !== ctx.model) {
    throw openAiError(
      404,
      `The model \`${String(request.model)}\` does not exist.`,
      'invalid_request_error',
      'model_not_found',
    );
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw invalidRequest("'messages' must be a non-empty array.");
  }
  const callIds = new Set<string>();
  for (const message of request.messages) {
    for (const call of message.tool_calls ?? []) {
      callIds.add(call.id);
    }
    if (message.role === 'tool' && !callIds.has(message.tool_call_id ?? '')) {
      throw invalidRequest(
        "Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'.",
      );
    }
  }
  return request as ChatCompletionRequest;
}

/** The assistant message of a reply; tool calls must name offered tools. */
function assistantMessage(
  request: ChatCompletionRequest,
  reply: ScriptedReply,
): { message: ChatMessage; finishReason: 'stop' | 'tool_calls' } {
  if ('content' in reply) {
    return {
      message: { role: 'assistant', content: reply.content },
      finishReason: 'stop',
    };
  }
  const offered = new Set((request.tools ?? []).map(t => t.function.name));
  const toolCalls = reply.toolCalls.map(call => {
    if (!offered.has(call.name)) {
      // A script error, not the caller's: a real model only calls what it is offered.
      throw openAiError(
        500,
        `The script calls the tool ${
          call.name
        }, which the request does not offer (offered: ${
          [...offered].join(', ') || 'none'
        }).`,
        'server_error',
        null,
      );
    }
    return {
      id: `call_${randomBytes(12).toString('hex')}`,
      type: 'function' as const,
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    };
  });
  return {
    message: { role: 'assistant', content: null, tool_calls: toolCalls },
    finishReason: 'tool_calls',
  };
}

/** `POST /v1/chat/completions`: the next turn of the script. */
async function chatCompletions(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
  const request = validateChatRequest(ctx, body);
  const turn = ctx.script.shift();
  if (!turn) {
    throw openAiError(
      500,
      `The script has no turn left for request ${ctx.answered.length + 1}.`,
      'server_error',
      null,
    );
  }
  const { message, finishReason } = assistantMessage(request, turn(request));
  ctx.answered.push(request);
  sendJson(res, 200, {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: finishReason },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  });
}

/** `GET /v1/models`: what the provider status route of the chat backend lists. */
function models(ctx: ServerContext, res: http.ServerResponse) {
  sendJson(res, 200, {
    object: 'list',
    data: [{ id: ctx.model, object: 'model', created: 0, owned_by: 'script' }],
  });
}

/** Starts the scripted model on 127.0.0.1 (a free port unless `port` is given). */
export async function listen(
  ctx: ServerContext,
  port = 0,
): Promise<{ server: http.Server; port: number }> {
  type Exchange = { req: http.IncomingMessage; res: http.ServerResponse };
  const app = fakeApp<Exchange>({
    context: (req, res) => ({ req, res }),
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/chat\/completions$/,
        async handle({ req, res }) {
          checkApiKey(ctx, req);
          await chatCompletions(ctx, req, res);
        },
      },
      {
        method: 'GET',
        path: /^\/v1\/models$/,
        handle({ req, res }) {
          checkApiKey(ctx, req);
          models(ctx, res);
        },
      },
    ],
    unhandled({ req }) {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      throw openAiError(
        404,
        `Unknown request URL: ${req.method} ${path}.`,
        'invalid_request_error',
        'unknown_url',
      );
    },
    internalError: error =>
      openAiError(500, String(error), 'server_error', null),
    onError({ req }, error) {
      ctx.refused.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status: error.status,
        reason: (error.body as { error: { message: string } }).error.message,
      });
    },
  });
  const server = http.createServer(app);
  return { server, port: await listenOnLoopback(server, port) };
}
