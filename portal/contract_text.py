"""The province's default standard-form text for a use-first trial (格式合同示范文本).

Placeholders in {braces} are filled from the contract's records when a document is generated.
"""

DEFAULT_TRIAL_TEMPLATE = """\
科技成果“先用后转”普通许可试用合同

合同编号：{contract_number}

许可人（甲方）：{licensor_name}，统一社会信用代码：{licensor_credit_code}
被许可人（乙方）：{licensee_name}，统一社会信用代码：{licensee_credit_code}
运营服务机构（丙方）：{agency_name}

第一条 许可标的
甲方将其合法持有的科技成果“{result_title}”（编号：{result_number}，类型：{result_type}）以普通许可方式许可乙方试用。

第二条 许可方式与地域
本合同为普通许可。甲方有权自行实施，并有权许可第三方实施该成果。许可地域：{territory}。

第三条 试用期限
试用期自 {start_date} 起至 {end_date} 止，共 {trial_months} 个月。

第四条 试用费用
试用期内乙方无需向甲方支付许可使用费（试用费用：{fee} 元）。

第五条 双方权利义务
（一）甲方保证对许可标的享有合法权利，并向乙方提供实施所必需的技术资料和必要的技术指导。
（二）乙方应在许可范围内实施，不得转许可，不得擅自向第三方披露技术秘密，并按约定向甲方、丙方反馈试用情况。

第六条 保密
双方对在合作中获知的对方技术秘密和商业秘密负有保密义务，保密期限至该信息依法公开之日止。

第七条 后续改进成果的归属
试用期内乙方对许可标的作出的后续改进，其权利归乙方所有；甲方作出的改进归甲方所有。双方可另行约定共享。

第八条 转化约定
试用期满前三十日内，双方应就付费许可或转让事宜进行协商；达成一致的，另行签订付费许可或转让合同，合作金额由双方自愿约定。
丙方为促成转化提供服务的，按不低于合作金额 {service_fee_rate} 的比例收取服务费。

第九条 合同的终止
试用期满双方未达成转化协议的，本合同自然终止，乙方应停止实施并返还或销毁技术资料。一方严重违约的，另一方可书面通知解除本合同。

第十条 风险提示
{risk_hints}

第十一条 争议解决
因本合同引起的争议，双方应友好协商；协商不成的，可申请丙方调解，或向甲方所在地有管辖权的人民法院提起诉讼。

甲方（盖章）：                乙方（盖章）：                丙方（盖章）：
签订日期：{signing_date}
"""
