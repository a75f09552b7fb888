/** Journey files start in file-name order (one at a time unless CUNZHI_E2E_WORKERS says otherwise), so a run is reproducible. */
import { BaseSequencer, type TestSpecification } from 'vitest/node'

export default class FileNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId))
  }
}
