// Word lists for the synthetic town: village names, people, units, hazards and activities.

enum DemoNames {
    /// The sample town's first villages, as a reader of the sample would expect them.
    static let classicVillages: [(base: String, kind: String)] = [
        ("东湖", "村"), ("西山", "村"), ("青石", "社区"), ("南塘", "村"), ("北岙", "村"), ("溪口", "村"),
        ("新华", "社区"), ("上林", "村"), ("桃源", "村"), ("石门", "村"), ("城东", "社区"), ("梅岭", "村"),
    ]

    static let placeHeads: [String] = Array(
        "东西南北上下前后大小新老高黄白青红金石柳杨桃梅松竹龙凤花云山水古安长平和兴福丰永泉清双三九马牛田沙潘吴蒋")
        .map(String.init)
    static let placeTails: [String] = Array(
        "湖山岭坑塘溪桥坞湾头岙田畈源口埠庄园林岗垄洋坪墩圩港堰渡塔亭井冲店铺").map(String.init)
    static let communityWords: [String] = ["城东", "城西", "城南", "城北", "新华", "文昌", "学府", "康宁", "锦绣",
                                           "和平", "滨江", "幸福", "春晖", "阳光", "振兴", "民主", "朝阳", "丰收"]

    static let surnames: [String] = Array(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金夏方邹熊邵毛郝顾龚钱戴严孔汤")
        .map(String.init)
    static let givenNames: [String] = [
        "建国", "伟", "芳", "秀英", "敏", "静", "丽华", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
        "超", "秀兰", "霞", "平", "刚", "桂英", "国平", "海燕", "志强", "卫东", "红梅", "建华", "立新", "晓峰",
        "春花", "永康", "德明", "文华", "雪梅", "利民", "根水", "金土", "爱国", "小平", "云飞", "美玲", "林峰",
        "国庆", "丽萍", "水根", "荣华", "海波", "玉兰",
    ]

    static let chineseNumerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

    /// Key-unit kinds: name suffix and the hazard category their hazards usually fall in.
    static let keyUnitKinds: [(suffix: String, category: HazardCategory)] = [
        ("化工有限公司", .hazardousChemicals), ("烟花爆竹经营部", .fireworks), ("加油站", .hazardousChemicals),
        ("物流有限公司", .motorVehicles), ("机械制造有限公司", .electricity), ("液化气供应站", .hazardousChemicals),
        ("纺织有限公司", .electricity), ("建材有限公司", .publicFacilities), ("木业有限公司", .crowdedPlaces),
        ("农家乐", .crowdedPlaces),
    ]
    static let brands: [String] = ["青石", "宏达", "恒信", "顺发", "永兴", "华丰", "鑫源", "天成", "瑞丰", "金盛",
                                   "联创", "万通", "龙腾", "国泰", "兴隆", "荣昌", "东升", "佳禾", "正大", "润发"]

    /// Units a village signs agreements with besides its groups (SPEC §1): name suffix and party type.
    static let localUnits: [(suffix: String, type: PartyType)] = [
        ("小学", .school), ("幼儿园", .school), ("卫生室", .hospital), ("邮政代办点", .residentUnit),
        ("供销社", .residentUnit), ("农村信用社", .residentUnit), ("老年活动中心", .other), ("中学", .school),
        ("社区卫生服务站", .hospital), ("电信营业厅", .residentUnit),
    ]

    /// Hazard descriptions by category: (plain text, variant with ASCII commas / quotes / newlines).
    static let hazardTexts: [HazardCategory: [(plain: String, punctuated: String)]] = [
        .electricity: [
            ("出租房楼道内电动车充电", "出租房楼道内停放电动车3辆,存在\"飞线\"充电现象"),
            ("私拉乱接电线，存在短路隐患", "私拉乱接电线,线路裸露\n存在短路起火隐患"),
            ("配电箱未加锁，箱内线路老化", "配电箱未加锁,箱内线路老化"),
            ("住户室内电线未穿管保护", "住户室内电线未穿管保护,插座\"一拖多\""),
            ("电表箱锈蚀破损", "电表箱锈蚀破损,箱门无法关闭"),
            ("农田灌溉临时用电线路裸露", "农田灌溉临时用电线路裸露\n未装漏电保护器"),
        ],
        .publicFacilities: [
            ("灭火器过期未更换", "灭火器过期未更换,压力表指针在红区"),
            ("消火栓无水、水带缺失", "消火栓无水,水带缺失"),
            ("村道护栏损坏", "村道护栏损坏约20米,临河一侧无防护"),
            ("路灯损坏，夜间照明不足", "路灯损坏3盏,夜间照明不足"),
            ("河塘边未设警示标志", "河塘边未设\"禁止游泳\"警示标志"),
            ("窨井盖缺失", "窨井盖缺失,已临时围挡"),
        ],
        .housing: [
            ("危房仍有人居住", "C级危房仍有2人居住,\n已劝离未果"),
            ("老旧房屋墙体开裂", "老旧房屋墙体开裂,裂缝宽约1厘米"),
            ("违章搭建彩钢棚", "违章搭建彩钢棚,堵塞消防通道"),
            ("屋顶瓦片松动，有坠落风险", "屋顶瓦片松动,有坠落风险"),
            ("出租房未设置逃生通道", "出租房窗户安装\"防盗窗\",未留逃生口"),
        ],
        .hazardousChemicals: [
            ("液化气钢瓶存放不规范", "液化气钢瓶存放不规范,与灶具距离不足0.5米"),
            ("液化气钢瓶未使用专用减压阀", "液化气钢瓶未使用专用减压阀,软管老化"),
            ("农药与生活用品混放", "农药与生活用品混放,未上锁"),
            ("油漆稀释剂露天堆放", "油漆稀释剂露天堆放\n无防晒措施"),
            ("危化品仓库未设置防爆灯具", "危化品仓库未设置防爆灯具,通风不良"),
        ],
        .fireworks: [
            ("烟花爆竹违规储存", "烟花爆竹违规储存于居民住宅内,约20箱"),
            ("烟花爆竹零售点未配备灭火器", "烟花爆竹零售点未配备灭火器,\"三证\"未上墙"),
            ("烟花爆竹超量存放", "烟花爆竹超量存放,超出许可限量"),
        ],
        .crowdedPlaces: [
            ("农家乐厨房油烟管道未清洗", "农家乐厨房油烟管道未清洗,油污较厚"),
            ("棋牌室安全出口堵塞", "棋牌室安全出口堵塞,杂物堆放"),
            ("文化礼堂疏散指示标志损坏", "文化礼堂疏散指示标志损坏\n应急照明不亮"),
            ("超市安全出口上锁", "超市安全出口上锁,营业期间未开启"),
            ("幼儿园消防通道被占用", "幼儿园消防通道被车辆占用"),
        ],
        .motorVehicles: [
            ("农用三轮车违规载人", "农用三轮车违规载人,车厢内乘坐5人"),
            ("无牌三轮车上路行驶", "无牌三轮车上路行驶,已劝导"),
            ("村口路段视线盲区未设凸面镜", "村口急弯路段视线盲区,未设凸面镜"),
            ("货车超载运输", "货车超载运输,\"大吨小标\""),
        ],
        .other: [
            ("池塘无防溺水警示牌", "池塘无防溺水警示牌,无救生圈"),
            ("养殖场沼气池未加盖", "养殖场沼气池未加盖,周边无围栏"),
            ("废品收购站杂物堆积", "废品收购站杂物堆积,易燃物未分类"),
            ("施工工地未设置围挡", "施工工地未设置围挡\n夜间无警示灯"),
        ],
    ]

    /// Hazards the town office finds at key units, by the unit's usual category.
    static let keyUnitHazardTexts: [HazardCategory: [String]] = [
        .hazardousChemicals: ["储罐区可燃气体报警器失效", "危化品出入库台账不全", "危化品仓库未设置防爆灯具", "加油机静电接地线断开"],
        .fireworks: ["烟花爆竹超量存放", "仓库未配备灭火器", "经营许可证未按规定公示"],
        .motorVehicles: ["叉车驾驶员无证上岗", "货车超载运输", "车辆停放堵塞消防通道"],
        .electricity: ["车间私拉乱接临时电线", "配电房未配备绝缘垫", "设备接地不良"],
        .publicFacilities: ["厂区消火栓水压不足", "安全出口指示灯损坏", "原料堆垛过高"],
        .crowdedPlaces: ["员工宿舍违规使用大功率电器", "安全出口堵塞", "厨房燃气管道老化"],
        .other: ["安全生产责任制未落实", "特种作业人员无证上岗"],
    ]

    /// Where a hazard goes when the village cannot fix it (上报部门), by category.
    static let escalationTargets: [HazardCategory: [String]] = [
        .electricity: ["供电所", "镇安监办"],
        .publicFacilities: ["镇安监办", "镇村建办"],
        .housing: ["镇村建办", "县住建局"],
        .hazardousChemicals: ["县应急管理局", "镇安监办"],
        .fireworks: ["县应急管理局", "派出所"],
        .crowdedPlaces: ["消防救援大队", "镇安监办"],
        .motorVehicles: ["交警中队", "镇安监办"],
        .other: ["镇安监办"],
    ]

    /// Relative frequency of hazard categories in a village (electricity and fire equipment lead).
    static let villageCategoryWeights: [(HazardCategory, Int)] = [
        (.electricity, 30), (.publicFacilities, 20), (.housing, 14), (.hazardousChemicals, 10), (.fireworks, 4),
        (.crowdedPlaces, 8), (.motorVehicles, 8), (.other, 6),
    ]

    static let scopes: [String] = ["全村出租房", "沿街店铺", "农家乐及民宿", "村道及桥梁", "文化礼堂", "河塘沟渠",
                                   "老旧房屋", "液化气使用户", "小作坊", "养殖场"]

    /// Training themes by form; `{v}` is replaced by the village name.
    static let themes: [TrainingForm: [String]] = [
        .leaflets: ["安全用电知识宣传", "电动车消防安全宣传", "燃气安全使用宣传", "防范一氧化碳中毒宣传"],
        .blackboard: ["安全生产法宣传黑板报", "家庭防火知识黑板报", "交通安全知识黑板报"],
        .bulletinBoard: ["安全社区创建宣传栏更新", "隐患举报电话公示", "应急避难场所指引"],
        .lecture: ["居家消防安全知识讲座", "老年人用电用气安全讲座", "农村道路交通安全讲座"],
        .training: ["村民小组安全员业务培训", "消防器材使用培训", "网格员安全巡查培训"],
        .performance: ["送安全下乡文艺演出", "{v}安全知识文艺汇演"],
        .drill: ["消防应急疏散演练", "燃气泄漏应急处置演练", "微型消防站拉动演练"],
        .other: ["安全知识有奖问答", "安全社区入户走访"],
    ]

    static let remarks: [String] = ["", "", "", "已复查", "见附件照片", "协管员代填", "补报", ""]

    static func person(_ rng: inout DemoRandom) -> String { rng.pick(surnames) + rng.pick(givenNames) }

    /// 第一村民小组 … (第十一… beyond ten, though villages here have at most eight groups).
    static func groupName(_ n: Int, community: Bool) -> String {
        let numeral = n <= 10 ? chineseNumerals[n - 1] : "十" + chineseNumerals[n - 11]
        return "第\(numeral)" + (community ? "居民小组" : "村民小组")
    }
}
