import {
  SchedulerServiceTaskFunction,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { refreshTaskIdOf } from './upstreamProviderNames';

/**
 * For upstream providers that insist on a task runner: one that never runs
 * anything, since the catalog module runs `refresh` on its own, guarded
 * schedule.
 */
export const manualTaskRunner: SchedulerServiceTaskRunner = {
  async run() {},
};

/**
 * A task runner that keeps the task functions providers hand it instead of
 * scheduling them, for a provider whose sync is reachable only through its
 * task (upstream's GitLab org provider keeps `refresh` private).
 */
export class CapturingTaskRunner implements SchedulerServiceTaskRunner {
  private readonly tasks = new Map<string, SchedulerServiceTaskFunction>();

  async run(task: {
    id: string;
    fn: SchedulerServiceTaskFunction;
  }): Promise<void> {
    this.tasks.set(task.id, task.fn);
  }

  /** Runs the refresh task the provider named `providerName` registered on connect. */
  async runFor(providerName: string): Promise<void> {
    const fn = this.tasks.get(refreshTaskIdOf(providerName));
    if (!fn) {
      throw new Error(`${providerName} is not connected to the catalog yet`);
    }
    await fn(new AbortController().signal);
  }
}
