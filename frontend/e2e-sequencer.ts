/** Journeys run one file at a time, in file-name order, so a run is reproducible. */
import { BaseSequencer, type TestSpecification } from 'vitest/node'

export default class FileNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId))
  }
}
