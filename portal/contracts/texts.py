"""The province's default standard-form texts (格式合同示范文本): the use-first trial, the paid
licence and the transfer it may become; and amounts written in capitals, as contracts state them.

Placeholders in {braces} are filled from the contract's records when a document is generated.
"""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUPS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """1..9999 in capitals, inner zeros read once (1001 → 壹仟零壹)."""
    out, zero = "", False
    for pos, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        d = n // pos % 10
        if d == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + DIGITS[d] + unit
        zero = False
    return out


def rmb_upper(amount: Decimal) -> str:
    """An amount in yuan as a contract writes it in capitals: 123456.78 → 壹拾贰万叁仟肆佰伍拾陆元柒角捌分
    (the PBOC rules for financial capitals: 整 after 元, 零 before a lone 分)."""
    fen = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if fen < 0 or fen >= 10**18:
        raise ValueError(amount)
    if fen == 0:
        return "零元整"
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    text, gap = "", False
    for i in reversed(range(len(groups))):
        if groups[i] == 0:
            gap = bool(text)
            continue
        text += ("零" if text and (gap or groups[i] < 1000) else "") + _four(groups[i]) + GROUPS[i]
        gap = False
    if text:
        text += "元"
    if jiao:
        text += DIGITS[jiao] + "角"
    if cents:
        text += ("零" if text and not jiao else "") + DIGITS[cents] + "分"
    return text if jiao or cents else text + "整"

DEFAULT_TRIAL_TEMPLATE = """\
科技成果“先用后转”普通许可试用合同

合同编号：{contract_number}

许可人（甲方）：{licensor_name}
统一社会信用代码：{licensor_credit_code}
住所：{licensor_address}；联系人：{licensor_contact}
被许可人（乙方）：{licensee_name}
统一社会信用代码：{licensee_credit_code}
住所：{licensee_address}；联系人：{licensee_contact}
运营服务机构（丙方）：{agency_name}
联系人：{agency_contact}

甲方按照科技成果“先用后转”的规定，将下列成果以普通许可方式面向企业免费试用；乙方有意试用，丙方提供对接服务。三方经平等协商，订立本合同。

第一条 许可标的
甲方将其合法持有的科技成果“{result_title}”（编号：{result_number}，类型：{result_type}）以普通许可方式许可乙方试用。

第二条 许可方式与地域
本合同为普通许可。甲方有权自行实施，并有权许可第三方实施该成果。许可地域：{territory}。

第三条 试用期限
试用期自 {start_date} 起至 {end_date} 止，共 {trial_period}。

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

DEFAULT_LICENCE_TEMPLATE = """\
科技成果付费实施许可合同

合同编号：{contract_number}
来源试用合同：{parent_trial_number}

许可人（甲方）：{licensor_name}
统一社会信用代码：{licensor_credit_code}
住所：{licensor_address}；联系人：{licensor_contact}
被许可人（乙方）：{licensee_name}
统一社会信用代码：{licensee_credit_code}
住所：{licensee_address}；联系人：{licensee_contact}
运营服务机构（丙方）：{agency_name}

鉴于乙方已按科技成果“先用后转”方式试用下列成果，甲乙双方经平等协商，在丙方的撮合服务下，就该成果的付费实施许可达成如下协议。

第一条 许可标的
甲方许可乙方实施其合法持有的科技成果“{result_title}”（编号：{result_number}，类型：{result_type}）。

第二条 许可方式、地域和期限
（一）许可方式：{licence_type}。{licence_scope}
（二）许可地域：{territory}。
（三）许可期限：自 {start_date} 起至 {end_date} 止，且不超过该成果权利的有效期限。

第三条 许可使用费及支付方式
（一）许可使用费（合作金额）：人民币 {deal_amount} 元（大写：{deal_amount_upper}）。
（二）支付方式：{payment_terms}
（三）乙方逾期付款的，每逾期一日按应付未付金额的万分之五向甲方支付违约金。

第四条 技术资料与技术指导
甲方应在本合同生效后三十日内向乙方交付实施该成果所必需的技术资料，并提供必要的技术指导和培训。

第五条 甲方的保证
甲方保证是该成果的合法权利人，该成果不存在权属争议，本次许可已履行本单位内部决策和公示程序。合同有效期内该成果被宣告无效或权利终止的，甲方应及时书面通知乙方，双方按实际实施期间协商处理已付费用。

第六条 乙方的义务
（一）乙方应在约定的许可方式、地域和期限内实施，未经甲方书面同意不得转许可。
（二）乙方应按约定支付许可使用费，并每年向甲方、丙方反馈实施和转化情况。

第七条 后续改进成果的归属
一方对该成果作出的后续改进，其权利归作出改进的一方所有；对方在同等条件下享有优先受让或优先获得许可的权利。

第八条 保密
双方对在合作中获知的对方技术秘密和商业秘密负有保密义务；本合同终止后，保密义务继续有效至该信息依法公开之日止。

第九条 运营服务
丙方为本合同的订立提供了撮合对接等运营服务，有权按不低于合作金额 {service_fee_rate} 的比例获得服务费，服务费的承担方式由各方另行约定。

第十条 违约责任
任何一方违反本合同约定的，应承担继续履行、采取补救措施或者赔偿损失等违约责任。乙方超出许可范围实施的，甲方有权解除本合同并要求赔偿损失。

第十一条 风险提示
{risk_hints}

第十二条 争议解决
因本合同引起的争议，双方应友好协商；协商不成的，可申请丙方调解，或向甲方所在地有管辖权的人民法院提起诉讼。

第十三条 其他
本合同自三方签字盖章之日起生效，一式三份，三方各执一份，具有同等法律效力。许可标的为专利的，甲方应自本合同生效之日起三个月内向国家知识产权局办理专利实施许可合同备案，乙方予以配合。

甲方（盖章）：                乙方（盖章）：                丙方（盖章）：
签订日期：{signing_date}
"""

DEFAULT_TRANSFER_TEMPLATE = """\
科技成果转让合同

合同编号：{contract_number}
来源试用合同：{parent_trial_number}

转让人（甲方）：{licensor_name}
统一社会信用代码：{licensor_credit_code}
住所：{licensor_address}；联系人：{licensor_contact}
受让人（乙方）：{licensee_name}
统一社会信用代码：{licensee_credit_code}
住所：{licensee_address}；联系人：{licensee_contact}
运营服务机构（丙方）：{agency_name}

鉴于乙方已按科技成果“先用后转”方式试用下列成果，甲乙双方经平等协商，在丙方的撮合服务下，就该成果的权利转让达成如下协议。

第一条 转让标的
甲方将其合法持有的科技成果“{result_title}”（编号：{result_number}，类型：{result_type}）的全部权利转让给乙方。

第二条 转让价款及支付方式
（一）转让价款（合作金额）：人民币 {deal_amount} 元（大写：{deal_amount_upper}）。
（二）支付方式：{payment_terms}
（三）乙方逾期付款的，每逾期一日按应付未付金额的万分之五向甲方支付违约金。

第三条 权利变更登记
本合同生效后三十日内，双方应共同向国家知识产权局或其他登记机关办理权利人变更登记。专利权、专利申请权的转让自登记之日起生效；登记费用由乙方承担，另有约定的除外。

第四条 技术资料交付与技术指导
甲方应在本合同生效后三十日内向乙方交付该成果的全部技术资料，并提供必要的技术指导和培训。

第五条 在先许可
本合同生效前甲方已许可他人实施该成果的（包括“先用后转”普通许可试用），该许可合同继续有效，甲方在其中的权利义务自转让生效之日起由乙方承继，另有约定的除外。

第六条 甲方的保证
甲方保证是该成果的合法权利人，该成果不存在权属争议，本次转让已履行本单位内部决策和公示程序；对完成该成果的人员的奖励和报酬，由甲方依法负责。

第七条 后续改进成果的归属
转让生效后，乙方对该成果作出的后续改进归乙方所有；甲方此前作出的改进，双方可另行约定。

第八条 保密
双方对在合作中获知的对方技术秘密和商业秘密负有保密义务；本合同终止后，保密义务继续有效至该信息依法公开之日止。

第九条 运营服务
丙方为本合同的订立提供了撮合对接等运营服务，有权按不低于合作金额 {service_fee_rate} 的比例获得服务费，服务费的承担方式由各方另行约定。

第十条 违约责任
任何一方违反本合同约定的，应承担继续履行、采取补救措施或者赔偿损失等违约责任。因甲方原因未能办理权利变更登记的，乙方有权解除本合同并要求返还已付价款。

第十一条 风险提示
{risk_hints}

第十二条 争议解决
因本合同引起的争议，双方应友好协商；协商不成的，可申请丙方调解，或向甲方所在地有管辖权的人民法院提起诉讼。

第十三条 其他
本合同自三方签字盖章之日起生效，一式三份，三方各执一份，具有同等法律效力。

甲方（盖章）：                乙方（盖章）：                丙方（盖章）：
签订日期：{signing_date}
"""
