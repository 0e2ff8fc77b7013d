import { Queue, type ConnectionOptions } from 'bullmq';
import type { Platform } from '../conversation/index.js';
import { QUEUE_INFERENCE, QUEUE_MAINTENANCE, QUEUE_OCR, deliveryQueueName, intakeQueueName } from '../jobs/index.js';
import { liveQueueName } from '../live/relay-job.js';

export interface QueueSetOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix (QUEUE_PREFIX). */
  prefix: string;
}

/** Connection errors are reported once by the runtime's Redis listener, not by every queue. */
const quiet = (q: Queue): Queue => q.on('error', () => {});

/** The queues one process talks to, created once and closed together. */
export class QueueSet {
  readonly inference: Queue;
  /** Retention runs and erasures (src/retention). */
  readonly maintenance: Queue;
  /** Images of questions waiting to be read (the worker role's OCR worker). */
  readonly ocr: Queue;
  private readonly delivery = new Map<Platform, Queue>();
  private readonly intake = new Map<Platform, Queue>();
  private readonly live = new Map<Platform, Queue>();

  constructor(private readonly opts: QueueSetOptions) {
    this.inference = quiet(new Queue(QUEUE_INFERENCE, { connection: opts.connection, prefix: opts.prefix }));
    this.maintenance = quiet(new Queue(QUEUE_MAINTENANCE, { connection: opts.connection, prefix: opts.prefix }));
    this.ocr = quiet(new Queue(QUEUE_OCR, { connection: opts.connection, prefix: opts.prefix }));
  }

  deliveryFor(platform: Platform): Queue {
    return this.cached(this.delivery, platform, deliveryQueueName(platform));
  }

  /** Admitted questions of one platform, waiting to be prepared and enqueued for inference. */
  intakeFor(platform: Platform): Queue {
    return this.cached(this.intake, platform, intakeQueueName(platform));
  }

  /** The live-answer relay queue of one platform (consumed where its credentials are). */
  liveFor(platform: Platform): Queue {
    return this.cached(this.live, platform, liveQueueName(platform));
  }

  private cached(map: Map<Platform, Queue>, platform: Platform, name: string): Queue {
    let q = map.get(platform);
    if (!q) {
      q = quiet(new Queue(name, { connection: this.opts.connection, prefix: this.opts.prefix }));
      map.set(platform, q);
    }
    return q;
  }

  all(): Queue[] {
    return [this.inference, this.ocr, this.maintenance, ...this.intake.values(), ...this.delivery.values(), ...this.live.values()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((q) => q.close()));
  }
}
