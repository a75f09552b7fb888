/** Village strings shared by the desktop and the phone pages (desktop-only ones: desktop-i18n.ts). */
export const zhCN = {
  villages: {
    menu: '村庄管理',
    title: '村庄',
    detail: '村庄详情',
    code: '村代码',
    name: '村名',
    township: '乡镇',
    population: '人口',
    households: '户数',
    secretary: '村党组织书记',
    partyMembers: '党员数',
    position: '村部位置（纬度, 经度）',
    lat: '纬度',
    lng: '经度',
    status: '整顿状态',
    categories: '问题类型',
  },
  errors: {
    village_not_found: '该村不存在或不在您的管辖范围内',
  },
}

export const en: typeof zhCN = {
  villages: {
    menu: 'Villages',
    title: 'Villages',
    detail: 'Village',
    code: 'Code',
    name: 'Name',
    township: 'Township',
    population: 'Population',
    households: 'Households',
    secretary: 'Branch secretary',
    partyMembers: 'Party members',
    position: 'Village office position (lat, lng)',
    lat: 'Latitude',
    lng: 'Longitude',
    status: 'Status',
    categories: 'Problem categories',
  },
  errors: {
    village_not_found: 'The village does not exist or is outside your scope',
  },
}
