import { LoggerService } from '@backstage/backend-plugin-api';
import { PresetProblem } from '@devportal/plugin-presets-common';

/** What every provider a preset can activate declares about itself. @public */
export interface PresetProviderInfo {
  /** A short human name for logs and errors, e.g. `GitHub OAuth`. */
  title: string;
  /**
   * The backend module that adds it, e.g. `catalog-backend-module-acme`;
   * named when two modules add a provider under the same key.
   */
  module: string;
}

/**
 * The providers one side (auth or catalog) can activate, by config key:
 * the built-in ones, and those other modules add through an extension
 * point. A module may replace a built-in; two modules adding the same key
 * is a mistake that refuses the boot, naming both, because which one wins
 * would depend on module start order.
 *
 * @public
 */
export class PresetProviderRegistry<T extends PresetProviderInfo> {
  readonly #builtin = new Map<string, T>();
  readonly #added = new Map<string, T>();
  readonly #problems: PresetProblem[] = [];

  /**
   * The registry of one side: the built-in providers, then those other
   * modules added through the extension point, in the order they did.
   * A built-in that a module replaces is logged.
   */
  static create<T extends PresetProviderInfo>(options: {
    /** Where presets name these providers, e.g. `['catalog', 'providers']`. */
    configPath: string[];
    /** The extension point modules add them through, for the fix hint. */
    extensionPoint: string;
    keyOf(provider: T): string;
    builtin: T[];
    added: T[];
    logger: LoggerService;
  }): PresetProviderRegistry<T> {
    const registry = new PresetProviderRegistry<T>(
      options.configPath,
      options.extensionPoint,
    );
    for (const provider of options.builtin) {
      registry.#builtin.set(options.keyOf(provider), provider);
    }
    for (const provider of options.added) {
      const key = options.keyOf(provider);
      if (registry.#builtin.has(key) && !registry.#added.has(key)) {
        options.logger.info(
          `${registry.dotted}.${key}: ${provider.title} from ${provider.module} replaces the built-in provider`,
        );
      }
      registry.add(key, provider);
    }
    return registry;
  }

  private constructor(
    readonly configPath: string[],
    readonly extensionPoint: string,
  ) {}

  private get dotted(): string {
    return this.configPath.join('.');
  }

  private add(key: string, provider: T): void {
    const first = this.#added.get(key);
    if (first) {
      this.#problems.push({
        kind: 'invalid-config',
        message: `backend modules "${first.module}" and "${provider.module}" both add a provider for ${this.dotted}.${key} (${first.title}; ${provider.title}) through ${this.extensionPoint}`,
        hint: `remove one of the two modules from the backend, or give one of them another key`,
      });
      return;
    }
    this.#added.set(key, provider);
  }

  /** The provider for a key: the one a module added, else the built-in. */
  get(key: string): T | undefined {
    return this.#added.get(key) ?? this.#builtin.get(key);
  }

  has(key: string): boolean {
    return this.#added.has(key) || this.#builtin.has(key);
  }

  keys(): string[] {
    return [...new Set([...this.#builtin.keys(), ...this.#added.keys()])];
  }

  /** Registration mistakes: the same key added by two modules. */
  problems(): PresetProblem[] {
    return [...this.#problems];
  }
}
