/*
 * # A scripted OpenAI-compatible model for process-level tests
 *
 * An in-process HTTP server on 127.0.0.1 that speaks the part of OpenAI's
 * API the MCP chat backend's `openai` provider uses, under one base URL
 * (the `mcp-chat` preset's `MCP_CHAT_BASE_URL`, `http://127.0.0.1:<port>/v1`):
 *
 * | route                       | used by                                                                  |
 * | --------------------------- | ------------------------------------------------------------------------ |
 * | `POST /v1/chat/completions` | every chat turn: answered by the next turn of the script, as a           |
 * |                             | `chat.completion` with text (`finish_reason: stop`) or tool calls        |
 * |                             | (`finish_reason: tool_calls`, ids `call_...`, arguments as JSON strings) |
 * | `GET /v1/models`            | the chat backend's provider status: lists the one model                  |
 *
 * Like OpenAI, it answers 401 `invalid_api_key` without
 * `Authorization: Bearer <apiKey>`, 404 `model_not_found` for another model,
 * and 400 for a `tool` message that answers no earlier tool call; errors
 * come in OpenAI's `{ error: { message, type, param, code } }` shape. A
 * request after the last turn, or a turn that calls a tool the request does
 * not offer, is a 500. Every refused request is listed by `refused()`, so a
 * test failure says what the backend sent.
 *
 * ```ts
 * const model = await startScriptedModel({
 *   apiKey: 'sk-test',
 *   model: 'scripted',
 *   script: [
 *     () => ({ toolCalls: [{ name: 'catalog.get-catalog-entity', arguments: { name: 'payments' } }] }),
 *     request => ({ content: `It says: ${lastToolResult(request)}` }),
 *   ],
 * });
 * // MCP_CHAT_PROVIDER=openai MCP_CHAT_BASE_URL=model.baseUrl ...
 * model.requests(); // what the backend asked, turn by turn
 * await model.stop();
 * ```
 *
 * Not modelled: streaming, the Responses API, token counts, and sampling
 * parameters (accepted and ignored).
 */
import { closeServer } from '../http';
import {
  ChatCompletionRequest,
  RefusedRequest,
  ScriptedTurn,
  ServerContext,
  listen,
} from './server';

export type {
  ChatCompletionRequest,
  ChatMessage,
  ChatTool,
  ChatToolCall,
  RefusedRequest,
  ScriptedReply,
  ScriptedTurn,
} from './server';

/** What the scripted model serves. */
export interface ScriptedModelConfig {
  /** The API key callers must present. */
  apiKey: string;
  /** The one model it knows. */
  model: string;
  /** The replies, one per chat completion request, in order. */
  script: ScriptedTurn[];
  /** A fixed port on 127.0.0.1; defaults to a free one. */
  port?: number;
}

/** A running scripted model. */
export interface ScriptedModel {
  /** `http://127.0.0.1:<port>/v1`: the provider's base URL. */
  baseUrl: string;
  /** The chat completion requests answered so far, oldest first. */
  requests(): ChatCompletionRequest[];
  /** The requests refused so far (wrong key, bad request, no turn left). */
  refused(): RefusedRequest[];
  /** Stops the server. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a scripted OpenAI-compatible model on 127.0.0.1. */
export async function startScriptedModel(
  config: ScriptedModelConfig,
): Promise<ScriptedModel> {
  const ctx: ServerContext = {
    apiKey: config.apiKey,
    model: config.model,
    script: [...config.script],
    answered: [],
    refused: [],
  };
  const { server, port } = await listen(ctx, config.port);
  // Keeps Jest from waiting on idle keep-alive sockets at the end.
  server.unref();
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: () => [...ctx.answered],
    refused: () => [...ctx.refused],
    stop() {
      stopped ??= closeServer(server);
      return stopped;
    },
  };
}

/**
 * The content of the request's last `tool` message: the tool result the
 * caller hands back to the model. Throws when there is none.
 */
export function lastToolResult(request: ChatCompletionRequest): string {
  const result = [...request.messages]
    .reverse()
    .find(message => message.role === 'tool');
  if (!result) {
    throw new Error('the request carries no tool result');
  }
  return result.content ?? '';
}
