import { downloadFile } from '@huggingface/hub';
import { BlobByteSource, type ByteSource, type FileTree } from './byte-source';

/**
 * A Hugging Face repo read through Hugging Face's own client. `downloadFile` hands back a lazy Blob
 * whose slices become HTTP Range requests, so tensors stream in as the builder needs them.
 */
export class HubFileTree implements FileTree {
  readonly name: string;
  constructor(
    private readonly repo: string,
    private readonly options: { revision?: string; hubUrl?: string; accessToken?: string; fetch?: typeof fetch } = {},
  ) {
    this.name = `hf:${repo}${options.revision ? `@${options.revision}` : ''}`;
  }

  async open(path: string): Promise<ByteSource | null> {
    const blob = await downloadFile({
      repo: this.repo,
      path,
      revision: this.options.revision,
      hubUrl: this.options.hubUrl,
      accessToken: this.options.accessToken,
      fetch: this.options.fetch,
    });
    return blob ? new BlobByteSource(`${this.name}/${path}`, blob) : null;
  }
}
