/** Village strings only the desktop screens use (merged by DesktopRoot; phones never load them). */
export const zhCN = {
  villages: {
    secretaryShort: '党组织书记',
    partyMembersShort: '党员数',
    filters: {
      township: '全部乡镇',
      status: '全部状态',
      category: '全部问题类型',
      search: '村名或村代码',
    },
    edit: '编辑基本信息',
    editHint: '整顿状态和问题类型由大排查和整顿流程变更，此处不能直接修改。',
    noChanges: '没有修改',
    saved: '村庄信息已保存',
    staleTitle: '此村信息已被他人修改',
    staleDetail: '您打开后，别人保存了新的内容。为避免覆盖他人的修改，本次保存未生效。请重新加载最新内容后再编辑。',
    missingVersion: '保存时缺少版本信息，请重新加载后再编辑。',
    reloadLatest: '重新加载最新内容',
    version: '版本',
    basic: '基本信息',
    rectification: '整顿信息',
    people: '人',
    householdUnit: '户',
  },
}

export const en: typeof zhCN = {
  villages: {
    secretaryShort: 'Secretary',
    partyMembersShort: 'Members',
    filters: {
      township: 'All townships',
      status: 'All statuses',
      category: 'All problem categories',
      search: 'Village name or code',
    },
    edit: 'Edit basic facts',
    editHint: 'Status and problem categories change through screening and rectification, not here.',
    noChanges: 'Nothing changed',
    saved: 'Village saved',
    staleTitle: 'Someone else changed this village',
    staleDetail:
      'After you opened it, someone else saved a newer version. Your save was not applied, so their changes are not overwritten. Reload the latest version, then edit again.',
    missingVersion: 'The version was missing when saving; reload, then edit again.',
    reloadLatest: 'Reload the latest version',
    version: 'Version',
    basic: 'Basic facts',
    rectification: 'Rectification',
    people: '',
    householdUnit: '',
  },
}
