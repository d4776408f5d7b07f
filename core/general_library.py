"""A built-in library of general conversations, in Chinese and English, to mix into identity data.

Training only on "who am I" questions makes a small chat model forget how to answer anything
else. Mixing some ordinary conversations into the identity dataset (see :func:`core.dataset.mix`)
keeps its everyday abilities. These pairs were written by hand for this project: nothing is
downloaded and no external dataset is used. They cover everyday advice, science basics, math word
problems with worked answers, simple Python questions, writing help, translation between Chinese
and English, stable history and geography facts, health and safety common sense, and definitions.
None of them mentions an assistant, its owner or its maker; the identity is added separately.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")

# (language, question, answer); language is "zh" (Simplified Chinese) or "en".
PAIRS: list[tuple[str, str, str]] = [
    # 中文：日常建议
    ("zh", "怎样才能睡得更好？",
     "尽量每天在固定的时间上床和起床，周末也不例外。睡前一小时少看手机等发光屏幕，下午以后避免喝咖啡和浓茶。"
     "卧室保持安静、黑暗、温度适中。如果长期失眠、影响白天的生活和工作，建议去医院就诊。"),
    ("zh", "如何制定一个有效的学习计划？",
     "先确定明确、可以衡量的目标，再把目标拆成每周和每天的小任务。"
     "把最难的内容安排在精力最好的时段，每学习二三十分钟休息几分钟。每周回顾一次进度，根据实际完成情况调整计划。"),
    ("zh", "怎样去除衣服上的油渍？",
     "先用纸巾吸掉多余的油，不要用力揉搓。在油渍处涂少量洗洁精，轻轻揉开后静置几分钟，再用温水清洗。"
     "清洗前先看一下衣服的洗涤标签，确认面料能否用温水洗。"),
    ("zh", "面试前应该做哪些准备？",
     "1. 了解公司的业务和岗位要求；2. 准备一段简短的自我介绍，并用具体事例说明自己的能力；"
     "3. 提前想好常见问题的回答；4. 准备一两个想问面试官的问题；5. 确认时间和地点，提前十分钟左右到达。"),
    ("zh", "如何养成每天阅读的习惯？",
     "从很小的目标开始，比如每天读十页，并把阅读固定在某个时间，如睡前或通勤路上。"
     "随身带一本书或在手机里存好电子书，减少开始的阻力。选自己真正感兴趣的书，实在读不下去的书可以换掉。"),
    ("zh", "租房时要注意什么？",
     "先核实房东的身份和房屋产权证明，通过中介租房时确认中介的资质。"
     "签合同前看清租金、押金、付款方式、维修责任和退租条件。"
     "入住时检查水、电、燃气和家具家电，有损坏的地方拍照留证。"),
    ("zh", "怎样让蔬菜保存得更久？",
     "叶菜可以用厨房纸包好后装进保鲜袋，放在冰箱冷藏室。"
     "土豆、洋葱适合放在阴凉、干燥、通风的地方，而且最好分开存放。已经腐烂的菜要及时挑出来，以免影响其他蔬菜。"),
    ("zh", "如何做好时间管理？",
     "每天开始前列出要做的事，按重要和紧急程度排序，先做重要的事。把大任务拆成小步骤，并给每一步定好完成时间。"
     "做事时关掉不必要的消息提醒，专注一段时间后再休息。"),

    # 中文：科学常识
    ("zh", "为什么天空是蓝色的？",
     "阳光由各种颜色的光组成。大气中的气体分子对波长较短的蓝光散射得比红光强得多，这种现象叫瑞利散射。"
     "被散射的蓝光从四面八方进入我们的眼睛，所以天空看起来是蓝色的。"),
    ("zh", "什么是光合作用？",
     "光合作用是绿色植物利用光能，在叶绿体中把二氧化碳和水转化为葡萄糖等有机物，同时释放氧气的过程。"
     "它为植物自身提供能量和养分，也是地球大气中氧气的主要来源。"),
    ("zh", "为什么在高原上水的沸点会降低？",
     "液体沸腾的温度取决于外界气压。高原海拔高、气压低，水不到100摄氏度就会沸腾，所以用普通锅煮饭不容易熟。"
     "高压锅能提高锅内气压，使沸点升高，因此在高原上很常用。"),
    ("zh", "什么是DNA？",
     "DNA即脱氧核糖核酸，是绝大多数生物的遗传物质。"
     "它由两条链相互盘绕成双螺旋结构，链上四种碱基（A、T、C、G）的排列顺序储存着遗传信息，决定了生物体的许多性状。"),
    ("zh", "月亮为什么会有圆缺变化？",
     "月亮本身不发光，只反射太阳光。月亮绕地球运行时，太阳、地球和月亮的相对位置不断变化，"
     "我们看到的月面被照亮部分的多少也随之改变，于是出现新月、上弦月、满月、下弦月等月相，一个周期约29.5天。"),
    ("zh", "铁为什么会生锈？",
     "铁在同时接触氧气和水时会发生缓慢的氧化反应，生成疏松的铁锈，主要成分是含水的氧化铁。"
     "空气潮湿或有盐分时生锈更快。刷油漆、镀锌或保持干燥都可以防锈。"),
    ("zh", "声音在哪种物质中传播得最快？",
     "一般来说，声音在固体中传播最快，在液体中次之，在气体中最慢。"
     "常温下空气中的声速约为每秒340米，水中约为每秒1500米，钢铁中可超过每秒5000米。声音不能在真空中传播。"),
    ("zh", "什么是万有引力？",
     "万有引力是任何两个有质量的物体之间相互吸引的力。"
     "牛顿的万有引力定律指出，这个力与两个物体质量的乘积成正比，与它们之间距离的平方成反比。"
     "正是这种力让行星绕太阳运行，也让物体落向地面。"),
    ("zh", "彩虹是怎么形成的？",
     "雨后空气中悬浮着许多小水滴。阳光射入水滴时会发生折射和反射，不同颜色的光折射的程度不同，"
     "白光因此被分解成红、橙、黄、绿、蓝、靛、紫等颜色。人要背对太阳才能看到彩虹。"),
    ("zh", "为什么会有四季变化？",
     "地球的自转轴相对于公转轨道面倾斜约23.5度。"
     "地球绕太阳公转时，同一地区在一年中受到的太阳照射角度和白昼长短不断变化，获得的热量也不同，于是形成了四季。"
     "四季并不是由地球离太阳的远近变化造成的。"),

    # 中文：数学应用题
    ("zh", "一件衣服原价200元，打八折后又减20元，现在卖多少钱？",
     "打八折后的价格是 200 × 0.8 = 160 元，再减去 20 元，现在卖 160 − 20 = 140 元。"),
    ("zh", "小明每分钟走60米，从家到学校用了15分钟，家离学校有多远？",
     "路程 = 速度 × 时间 = 60 × 15 = 900 米，所以家离学校 900 米。"),
    ("zh", "一个长方形长8厘米、宽5厘米，它的周长和面积各是多少？",
     "周长 = (长 + 宽) × 2 = (8 + 5) × 2 = 26 厘米；面积 = 长 × 宽 = 8 × 5 = 40 平方厘米。"),
    ("zh", "鸡兔同笼，共有10个头、28只脚，鸡和兔各有几只？",
     "假设10只全是鸡，应有 10 × 2 = 20 只脚，比实际少 28 − 20 = 8 只。"
     "每把一只鸡换成兔就多2只脚，所以兔有 8 ÷ 2 = 4 只，鸡有 10 − 4 = 6 只。验算：6 × 2 + 4 × 4 = 28，正确。"),
    ("zh", "一项工作甲单独做要6天完成，乙单独做要3天完成，两人合作几天能完成？",
     "把工作总量看作1。甲每天完成 1/6，乙每天完成 1/3，合作每天完成 1/6 + 1/3 = 1/2，"
     "所以两人合作需要 1 ÷ 1/2 = 2 天。"),
    ("zh", "把1000元存入银行，年利率3%，按单利计算，3年后本息一共多少元？",
     "利息 = 本金 × 年利率 × 年数 = 1000 × 3% × 3 = 90 元，本息合计 1000 + 90 = 1090 元。"),
    ("zh", "一个数的3倍加上5等于26，这个数是多少？",
     "设这个数为 x，列方程 3x + 5 = 26，得 3x = 21，x = 7。验算：3 × 7 + 5 = 26。"),
    ("zh", "从1加到100的和是多少？",
     "把首尾配对：1 + 100、2 + 99、3 + 98……每一对的和都是101，共有50对，所以总和是 101 × 50 = 5050。"
     "也可以用公式 n(n + 1) ÷ 2 = 100 × 101 ÷ 2 = 5050。"),
    ("zh", "一辆汽车以每小时80千米的速度行驶了2.5小时，一共行驶了多少千米？",
     "路程 = 速度 × 时间 = 80 × 2.5 = 200 千米。"),

    # 中文：编程
    ("zh", "Python中如何反转一个字符串？",
     "最简单的方法是用步长为 -1 的切片：\n\ns = \"hello\"\nprint(s[::-1])  # 输出 olleh\n\n"
     "也可以用 \"\".join(reversed(s))。"),
    ("zh", "Python里的列表和元组有什么区别？",
     "列表（list）用方括号表示，创建后可以增加、删除和修改元素；元组（tuple）用圆括号表示，创建后不能修改。"
     "元素都不可变的元组可以作为字典的键，元组常用来表示一组固定的数据，比如坐标 (x, y)。"),
    ("zh", "在Python中怎样读取一个文本文件？",
     "推荐使用 with 语句，它会在结束时自动关闭文件：\n\nwith open(\"data.txt\", encoding=\"utf-8\") as f:\n"
     "    text = f.read()\n\n如果要逐行处理，可以在 with 块里写 for line in f:。"),
    ("zh", "Python中如何判断一个整数是不是偶数？",
     "用取余运算符 %，一个整数除以2余数为0就是偶数：\n\ndef is_even(n):\n    return n % 2 == 0\n\n"
     "例如 is_even(4) 返回 True，is_even(7) 返回 False。"),
    ("zh", "编程中的递归是什么意思？",
     "递归是指函数在执行过程中调用自身。正确的递归必须有终止条件，并且每次调用都让问题规模变小，"
     "否则会无限调用下去，直到栈溢出。例如阶乘可以定义为 n! = n × (n − 1)!，终止条件是 0! = 1。"),
    ("zh", "Python中怎样去掉列表里的重复元素，同时保持原来的顺序？",
     "可以利用字典的键不重复且保持插入顺序的特点：list(dict.fromkeys(items))。"
     "例如 list(dict.fromkeys([3, 1, 3, 2, 1])) 得到 [3, 1, 2]。如果不在意顺序，也可以用 list(set(items))。"),
    ("zh", "Git中的commit和push有什么区别？",
     "commit 把暂存区的修改保存为本地仓库中的一个提交记录，只影响你自己电脑上的仓库；"
     "push 把本地的提交上传到远程仓库，别人才能看到。通常先 commit，再 push。"),

    # 中文：写作
    ("zh", "帮我把这句话改得礼貌一些：“把报告明天给我。”",
     "可以改为：“麻烦您明天把报告发给我，谢谢！”"
     "如果对方是上级或客户，可以更客气一些：“如果方便的话，能否请您明天把报告发给我？非常感谢。”"),
    ("zh", "请假邮件的开头应该怎么写？",
     "先称呼对方，再直接说明请假的时间和原因，例如：“王经理，您好！因家中有事，想向您申请本周五请假一天。”"
     "正文接着写工作交接安排，最后表示感谢。"),
    ("zh", "怎样写好一篇文章的开头？",
     "常用的方法有：用一个具体的场景或小故事引入；提出一个引人思考的问题；直接点明文章的中心观点；"
     "引用一句与主题相关的名言。开头要简洁，让读者尽快知道文章要讲什么。"),
    ("zh", "“的”“地”“得”怎么区分？",
     "“的”用在名词前面，修饰人或事物，如“美丽的花”；“地”用在动词前面，修饰动作，如“认真地学习”；"
     "“得”用在动词或形容词后面，引出程度或结果，如“跑得很快”。"),
    ("zh", "请把这句话改得更简洁：“我们在经过了认真的讨论之后，最终做出了决定。”",
     "可以改为：“经过认真讨论，我们做出了决定。”“在……之后”和“最终”在这里都可以省略，意思不变。"),
    ("zh", "怎样给帮过忙的同事写一条感谢消息？",
     "说清楚对方做了什么、带来了什么帮助，会显得更真诚。例如：“小李，谢谢你昨天帮忙整理数据，报告才能按时交上去。"
     "以后有需要帮忙的地方尽管说！”"),
    ("zh", "写总结报告时怎样让内容更有条理？",
     "先列提纲，常见的结构是：概况、主要成果、存在的问题、下一步计划。"
     "每一部分用小标题分开，每段先写结论再写依据，尽量用具体数字和事例代替空泛的形容词。"),

    # 中文：翻译
    ("zh", "把“Practice makes perfect.”翻译成中文。",
     "可以译为“熟能生巧。”"),
    ("zh", "“好久不见”用英语怎么说？",
     "口语中常说 “Long time no see.”；比较正式的说法是 “It's been a long time since we last met.”"),
    ("zh", "把“我今天很忙，明天再聊吧。”翻译成英文。",
     "可以译为：“I'm very busy today. Let's talk tomorrow.”"),
    ("zh", "英语中的“Break a leg”是什么意思？",
     "这是一句英语俗语，意思是“祝你好运”，常在演员上台表演或别人参加重要活动之前说。它并不是字面上“摔断腿”的意思。"),
    ("zh", "请把“学而不思则罔，思而不学则殆”翻译成英文。",
     "可以译为：“Learning without thinking leads to confusion; thinking without learning is dangerous.”"
     "这句话出自《论语·为政》。"),
    ("zh", "“加油”用英语应该怎么说？",
     "要看场合：给比赛中的人助威可以说 “Come on!” 或 “Go for it!”；鼓励正在努力的人可以说 “Keep it up!” "
     "或 “You can do it!”。"),
    ("zh", "把“Thank you for your patience.”翻译成中文。",
     "可以译为“感谢您的耐心等待。”或“谢谢您的耐心。”"),

    # 中文：历史与地理
    ("zh", "中国古代的四大发明是什么？",
     "造纸术、指南针、火药和印刷术。它们先后传到世界各地，对人类文明的发展产生了深远的影响。"),
    ("zh", "世界上最高的山峰是哪座？",
     "珠穆朗玛峰，位于中国与尼泊尔交界处的喜马拉雅山脉。2020年中尼两国共同公布的高程为8848.86米。"),
    ("zh", "中国最长的河流是哪条？",
     "长江，全长约6300千米，是亚洲第一长河、世界第三长河。它发源于青藏高原，自西向东流，最终在上海附近注入东海。"),
    ("zh", "秦始皇统一六国后采取了哪些重要措施？",
     "主要有：统一文字，以小篆为标准；统一货币和度量衡；在全国推行郡县制；修建驰道；"
     "把原来各国的长城连接起来并加以修筑，以防御北方的匈奴。"),
    ("zh", "丝绸之路是什么？",
     "丝绸之路是古代连接中国与中亚、西亚乃至欧洲的陆上贸易通道，一般认为是在西汉张骞出使西域之后开通的。"
     "中国的丝绸等商品经此西传，葡萄、苜蓿、石榴等作物也由此传入中国，它还促进了文化和宗教的交流。"),
    ("zh", "世界上面积最大的大洋是哪个？",
     "太平洋。它约占地球表面积的三分之一，比地球上全部陆地的面积加起来还要大，也是平均深度最深的大洋。"),
    ("zh", "中国面积最大的省级行政区是哪个？",
     "新疆维吾尔自治区，面积约166万平方千米，约占全国陆地总面积的六分之一。"),
    ("zh", "赤道是什么？",
     "赤道是地球表面上与南北两极距离相等的一条假想的圆周线，纬度为0度，它把地球分为南半球和北半球。"
     "赤道的周长约4万千米，附近地区一般全年气温较高。"),
    ("zh", "唐朝的都城在哪里？",
     "唐朝的首都是长安，即今天的陕西省西安市，洛阳则作为东都。"
     "长安是当时世界上规模最大的城市之一，也是丝绸之路的东方起点。"),
    ("zh", "尼罗河在哪里？",
     "尼罗河位于非洲东北部，大致自南向北流，最终注入地中海，全长约6650千米，通常被认为是世界上最长的河流。"
     "古埃及文明就是在尼罗河流域发展起来的。"),

    # 中文：健康与安全
    ("zh", "感冒了应该怎么办？",
     "普通感冒大多由病毒引起，一般一周左右会自己好转。"
     "注意多休息、多喝水，饮食清淡；鼻塞、咽痛等症状可以在医生或药师指导下用药缓解。"
     "抗生素对病毒无效，不要自行服用。如果高烧不退、呼吸困难或症状持续加重，应及时就医。"),
    ("zh", "被烫伤后应该怎么处理？",
     "立即用流动的凉水冲洗伤处15到20分钟，降温止痛；趁肿起来之前小心取下附近的戒指、手表等。"
     "不要涂牙膏、酱油或抹油，也不要挑破水疱，可以用干净的纱布轻轻盖住。"
     "烫伤面积大、水疱多，或伤在脸部、手部、关节等部位时，应尽快就医。"),
    ("zh", "发生火灾时应该怎样逃生？",
     "保持冷静，尽快拨打119报警。用湿毛巾捂住口鼻，身体尽量放低，沿着疏散指示标志从安全出口离开，不要乘坐电梯。"
     "开门前先用手背摸一下门把手，如果很烫，说明门外有火，不要开门。逃出后不要返回去取东西。"),
    ("zh", "成年人每天应该喝多少水？",
     "一般健康成年人每天需要喝1500到1700毫升左右的水，天气炎热或运动出汗多时要适当增加。"
     "最好少量多次，不要等到口渴才喝。患有肾病、心脏病等疾病的人，应遵医嘱控制饮水量。"),
    ("zh", "长时间久坐有什么危害？怎样缓解？",
     "长时间久坐会增加肥胖、颈椎和腰椎疾病以及心血管疾病的风险。"
     "建议每坐30到60分钟起身活动几分钟，伸展颈部、肩膀和腰背；保持正确坐姿，屏幕与视线大致平齐；"
     "每周进行至少150分钟中等强度的运动。如果颈肩腰痛持续不缓解，应去医院检查。"),
    ("zh", "有人突然倒地不起应该怎么办？",
     "先确认周围环境安全，再拍打对方双肩并大声呼喊，判断有没有反应。"
     "没有反应就立即拨打120，并检查呼吸：没有正常呼吸时马上开始胸外按压，附近有AED（自动体外除颤器）时尽快使用。"
     "如果对方有正常呼吸，可以让其侧卧，保持呼吸道通畅，等待急救人员到来。"),
    ("zh", "怎样预防近视？",
     "每天保证两小时左右的户外活动；近距离用眼时，每隔20分钟抬头看6米以外的地方至少20秒；"
     "读写时光线要充足，眼睛离书本约一尺；控制使用电子屏幕的时间。发现看远处模糊时，应到正规医院检查视力。"),

    # 中文：概念解释
    ("zh", "什么是通货膨胀？",
     "通货膨胀是指一段时间内物价总体水平持续上涨、货币购买力下降的现象。"
     "适度的通胀在经济增长中很常见，但过高的通胀会让储蓄贬值、影响人们的生活。常用居民消费价格指数（CPI）来衡量。"),
    ("zh", "什么是机器学习？",
     "机器学习是让计算机从数据中自动找出规律，并用这些规律对新数据做出预测或决策的方法，而不是由人逐条写出规则。"
     "常见的类型有监督学习、无监督学习和强化学习。"),
    ("zh", "成语“画蛇添足”是什么意思？",
     "比喻做了多余的事，反而弄巧成拙。故事出自《战国策》："
     "几个人比赛画蛇，先画完的人又给蛇添上了脚，结果蛇本来没有脚，他反而输掉了那壶酒。"),
    ("zh", "什么是可再生能源？",
     "可再生能源是在自然界中可以不断得到补充、不会因使用而枯竭的能源，如太阳能、风能、水能、生物质能和地热能。"
     "与煤炭、石油等化石能源相比，它们在使用过程中排放的温室气体通常少得多。"),
    ("zh", "GDP是什么意思？",
     "GDP即国内生产总值，是衡量经济规模的常用指标。"
     "它指一个国家或地区在一定时期内（通常是一年或一个季度）生产的全部最终产品和服务的市场价值总和。"),
    ("zh", "“光年”是时间单位吗？",
     "不是。光年是长度单位，指光在真空中一年内传播的距离，约为9.46万亿千米，常用来表示恒星和星系之间的距离。"),
    ("zh", "什么是质数？",
     "质数（也叫素数）是大于1、并且只能被1和它本身整除的自然数，例如2、3、5、7、11、13。"
     "2是唯一的偶数质数，1既不是质数也不是合数。"),

    # English: everyday advice
    ("en", "What are some tips for falling asleep faster?",
     "Go to bed and get up at the same time every day, even on weekends. "
     "Keep the bedroom dark, quiet and cool, and put screens away about an hour before bed. "
     "Avoid caffeine in the afternoon and heavy meals late at night. "
     "If you lie awake for more than about 20 minutes, get up and do something calm until you feel sleepy; "
     "if poor sleep goes on for weeks, talk to a doctor."),
    ("en", "How do I make a simple monthly budget?",
     "1. Add up your monthly income after tax.\n2. List fixed costs such as rent, utilities and loan payments.\n"
     "3. Set limits for variable spending like food, transport and entertainment.\n"
     "4. Move a fixed amount into savings as soon as you are paid.\n"
     "5. Track what you actually spend and adjust the plan next month."),
    ("en", "How can I remove a coffee stain from a shirt?",
     "Blot the stain (don't rub it) as soon as possible, then rinse it from the back with cold water. "
     "Work in a little liquid laundry detergent, leave it for a few minutes and wash as usual. "
     "Make sure the stain is gone before using a dryer, because heat can set it permanently."),
    ("en", "How should I prepare for a job interview?",
     "Research the company and reread the job description. "
     "Prepare a few short examples of your achievements, for instance with the STAR method (situation, task, "
     "action, result), and practise common questions out loud. "
     "Have two or three questions ready to ask, plan your route, and arrive about ten minutes early."),
    ("en", "What is a good way to learn a new language?",
     "Practise a little every day rather than a lot once a week. "
     "Learn the most common words first, listen to native speakers through podcasts or shows, "
     "and start speaking early even if you make mistakes. "
     "Spaced-repetition flashcards help vocabulary stick, and a regular conversation partner keeps you motivated."),
    ("en", "How can I stop procrastinating?",
     "Make the first step so small you can start right now, such as opening the document and writing one sentence. "
     "Work in short focused blocks, for example 25 minutes, with breaks in between, "
     "and put your phone out of reach. Set a specific deadline and give yourself a small reward when you finish."),
    ("en", "How do I keep houseplants healthy?",
     "Give each plant the amount of light it needs, and water only when the top few centimetres of soil feel dry, "
     "since overwatering is the most common cause of problems. "
     "Use pots with drainage holes, wipe dust off the leaves now and then, "
     "and feed lightly during the growing season."),
    ("en", "How do I write a useful to-do list?",
     "Write each item as a concrete action that starts with a verb, "
     "such as \"Email Sam the draft\" rather than just \"Project\". "
     "Split big tasks into steps, mark the two or three most important items for the day, and do those first. "
     "Keep the list short and move unfinished items to a specific later day."),

    # English: science basics
    ("en", "Why do we have day and night?",
     "Earth spins on its axis about once every 24 hours. "
     "The half facing the Sun has daytime and the half facing away has night. "
     "As Earth turns, places move from one half into the other, "
     "which is why the Sun appears to rise in the east and set in the west."),
    ("en", "What is the difference between weather and climate?",
     "Weather is the state of the atmosphere at a particular place and time, such as today's temperature, "
     "rain or wind. Climate is the average pattern of weather in a region over a long period, "
     "usually 30 years or more. In short, weather is what you get on a given day, climate is what you expect."),
    ("en", "How do vaccines work?",
     "A vaccine shows the immune system a harmless version of a germ, such as a weakened or inactivated form, "
     "a piece of it, or instructions for making one of its proteins. "
     "The body learns to recognise it and produces antibodies and memory cells. "
     "If the real germ appears later, the immune system can respond faster and more strongly, "
     "preventing the illness or making it milder."),
    ("en", "What are the three common states of matter?",
     "Solid, liquid and gas. A solid keeps its own shape and volume, "
     "a liquid has a fixed volume but takes the shape of its container, "
     "and a gas spreads out to fill any container. "
     "Heating or cooling changes one state into another, as when ice melts into water and water boils into steam."),
    ("en", "Why does ice float on water?",
     "When water freezes, its molecules lock into an open, hexagonal structure held together by hydrogen bonds, "
     "so ice takes up more space than the same mass of liquid water. "
     "Ice is therefore about 9% less dense and floats. "
     "This is why lakes freeze from the top down, letting fish survive in the water below."),
    ("en", "What is an atom made of?",
     "An atom has a tiny, dense nucleus made of protons, which carry a positive charge, and neutrons, "
     "which have no charge. Negatively charged electrons move around the nucleus. "
     "The number of protons, called the atomic number, decides which element the atom is."),
    ("en", "What causes ocean tides?",
     "Mainly the Moon's gravity, with a smaller contribution from the Sun. "
     "The Moon pulls the near side of Earth slightly more strongly than the far side, "
     "which stretches the oceans into two bulges. "
     "As Earth rotates through these bulges, most coasts get two high tides and two low tides a day."),
    ("en", "How fast does light travel?",
     "In a vacuum, light travels at exactly 299,792,458 metres per second, about 300,000 kilometres per second. "
     "At that speed, sunlight takes about 8 minutes and 20 seconds to reach Earth."),
    ("en", "What is the difference between a virus and a bacterium?",
     "Bacteria are single-celled living organisms that can reproduce on their own; "
     "many are harmless or even useful, and bacterial infections can often be treated with antibiotics. "
     "Viruses are much smaller, are not cells, and can only multiply inside the cells of a host. "
     "Antibiotics do not work against viruses."),
    ("en", "Which planet is the largest in our solar system?",
     "Jupiter. It is a gas giant with a diameter about 11 times that of Earth and more than 300 times Earth's "
     "mass. It is made mostly of hydrogen and helium."),

    # English: math word problems
    ("en", "A shirt costs $40 and is on sale for 25% off. What is the sale price?",
     "The discount is 25% of $40, which is 0.25 × 40 = $10. The sale price is 40 − 10 = $30."),
    ("en", "A train travels 180 km in 2 hours. What is its average speed?",
     "Average speed = distance ÷ time = 180 km ÷ 2 h = 90 km/h."),
    ("en", "What is 15% of 80?",
     "15% means 0.15, so 0.15 × 80 = 12."),
    ("en", "A father is 3 times as old as his son. In 12 years he will be twice as old as his son. "
           "How old are they now?",
     "Let the son's age be x, so the father is 3x. "
     "In 12 years: 3x + 12 = 2(x + 12), so 3x + 12 = 2x + 24 and x = 12. The son is 12 and the father is 36. "
     "Check: in 12 years they will be 24 and 48, and 48 is twice 24."),
    ("en", "A recipe uses 3 eggs to make 12 cookies. How many eggs are needed for 30 cookies?",
     "Each cookie needs 3 ÷ 12 = 0.25 eggs, so 30 cookies need 30 × 0.25 = 7.5 eggs. "
     "In practice, use 7 eggs plus half of a beaten egg, or round up to 8."),
    ("en", "What is the area of a circle with a radius of 5 cm?",
     "Area = πr² = π × 5² = 25π ≈ 78.54 cm²."),
    ("en", "Solve the equation 2x + 7 = 19.",
     "Subtract 7 from both sides: 2x = 12. Divide both sides by 2: x = 6. Check: 2 × 6 + 7 = 19."),
    ("en", "One pipe fills a tank in 4 hours and another fills it in 6 hours. "
           "How long do they take working together?",
     "Per hour, the first pipe fills 1/4 of the tank and the second 1/6. Together they fill 1/4 + 1/6 = 5/12 per "
     "hour, so the tank takes 12/5 = 2.4 hours, which is 2 hours and 24 minutes."),
    ("en", "If I save $50 every week, how many weeks will it take to save $1,200?",
     "1,200 ÷ 50 = 24, so it takes 24 weeks."),
    ("en", "What is the probability of rolling a total of 7 with two fair dice?",
     "There are 6 × 6 = 36 equally likely outcomes. "
     "Six of them add up to 7: (1,6), (2,5), (3,4), (4,3), (5,2) and (6,1). "
     "The probability is 6/36 = 1/6, about 16.7%."),

    # English: programming
    ("en", "How do I reverse a list in Python?",
     "Use my_list.reverse() to reverse it in place, "
     "or my_list[::-1] (or list(reversed(my_list))) to get a reversed copy and leave the original unchanged."),
    ("en", "What is the difference between == and is in Python?",
     "== checks whether two values are equal, while is checks whether two names refer to the very same object. "
     "For example, two separate lists [1, 2] == [1, 2] is True, but they are not the same object, "
     "so is gives False. Use is mainly for comparisons with None, as in if x is None:."),
    ("en", "How do I count how often each word appears in a text in Python?",
     "Use collections.Counter:\n\nfrom collections import Counter\n\ncounts = Counter(text.lower().split())\n"
     "print(counts.most_common(3))\n\nmost_common(3) returns the three most frequent words with their counts."),
    ("en", "What is a list comprehension in Python?",
     "A short way to build a list from another sequence in a single expression. For example:\n\n"
     "squares = [n * n for n in range(10) if n % 2 == 0]\n\n"
     "gives [0, 4, 16, 36, 64]: the square of every even number below 10."),
    ("en", "How do I handle an error in Python without the program crashing?",
     "Wrap the risky code in try/except and catch the specific exception you expect:\n\ntry:\n"
     "    number = int(user_input)\nexcept ValueError:\n    print(\"Please enter a whole number.\")\n\n"
     "Avoid a bare except:, because it also hides bugs you did not expect."),
    ("en", "What is a dictionary in Python?",
     "A dictionary stores key-value pairs and looks values up by key very quickly. "
     "For example, ages = {\"Ana\": 31, \"Ben\": 25} creates one and ages[\"Ana\"] returns 31. The call "
     "ages.get(\"Cal\", 0) returns 0 instead of raising an error when the key is missing."),
    ("en", "How can I check whether a word is a palindrome in Python?",
     "Compare the word with its reverse, ignoring case:\n\ndef is_palindrome(word):\n    w = word.lower()\n"
     "    return w == w[::-1]\n\nis_palindrome(\"Level\") returns True."),
    ("en", "What is the difference between a compiled and an interpreted language?",
     "A compiled language, such as C, is translated into machine code by a compiler before it runs, "
     "which usually makes it fast. An interpreted language, such as Python, is run by another program, "
     "the interpreter, which makes it quick to try things out but usually slower. "
     "Many modern languages mix both approaches."),
    ("en", "What does Big O notation mean?",
     "Big O describes how the running time or memory use of an algorithm grows as the input size n grows, "
     "usually in the worst case. O(1) means constant time, O(n) means it grows in proportion to n, "
     "and O(n²) means doubling the input roughly quadruples the work. Binary search, for example, is O(log n)."),
    ("en", "How do I create a virtual environment in Python?",
     "Run python -m venv .venv in your project folder. "
     "Activate it with source .venv/bin/activate on Linux or macOS, or .venv\\Scripts\\activate on Windows. "
     "Packages you then install with pip stay inside that environment."),

    # English: writing help
    ("en", "Rewrite this more politely: \"Send me the file now.\"",
     "\"Could you please send me the file as soon as you can? "
     "Thank you!\" If it is urgent, you can add the reason: \"I need it for a meeting at 3 p.m.\""),
    ("en", "How do I write a short email asking for a deadline extension?",
     "Keep it brief and specific, for example: \"Dear Ms. Lee, "
     "I am writing to ask whether I could have until Friday to submit the report. "
     "I need a little more time to check the figures properly. "
     "I'm sorry for the inconvenience and thank you for considering it. Best regards, Alex\""),
    ("en", "Make this sentence more concise: \"Due to the fact that it was raining, "
           "we made the decision to stay inside.\"",
     "\"Because it was raining, we decided to stay inside.\""),
    ("en", "What is the difference between \"affect\" and \"effect\"?",
     "Usually \"affect\" is a verb meaning to influence (\"The weather affected my mood\"), "
     "and \"effect\" is a noun meaning a result (\"The medicine had a quick effect\"). "
     "Less often, \"effect\" is a verb meaning to bring about, as in \"to effect change\"."),
    ("en", "When should I use \"fewer\" and when should I use \"less\"?",
     "Use \"fewer\" with things you can count (\"fewer cars\", "
     "\"fewer mistakes\") and \"less\" with things you cannot count (\"less traffic\", \"less water\"). "
     "In everyday speech, \"less\" is also normal with numbers used as amounts, as in \"less than 10 kilometres\"."),
    ("en", "How can I make my writing clearer?",
     "Put the main point first, use short sentences and familiar words, "
     "and prefer active verbs (\"The team fixed the bug\" rather than \"The bug was fixed by the team\"). "
     "Cut words that add nothing, and read the text aloud to catch clumsy phrasing."),
    ("en", "Write a polite message declining a meeting invitation.",
     "\"Hi Jordan, thank you for the invitation. "
     "Unfortunately I have a conflict at that time and won't be able to attend. "
     "Could you share the notes afterwards? I'm happy to give any input by email beforehand.\""),
    ("en", "Correct the grammar: \"Me and him goes to the store every days.\"",
     "\"He and I go to the store every day.\" The subject pronouns are \"he\" and \"I\", "
     "a plural subject takes \"go\", and \"every\" is followed by a singular noun."),

    # English: translation
    ("en", "Translate \"Where is the nearest subway station?\" into Chinese.",
     "“最近的地铁站在哪里？” (Zuìjìn de dìtiě zhàn zài nǎlǐ?)"),
    ("en", "How do you say \"Nice to meet you\" in Chinese?",
     "“很高兴认识你。” (Hěn gāoxìng rènshi nǐ.) "
     "To be more polite, for example with someone older, use “您” (nín) instead of “你”."),
    ("en", "What does the Chinese expression \"ma ma hu hu\" mean?",
     "“马马虎虎” literally means \"horse horse tiger tiger\". "
     "It means \"so-so\" or \"just okay\", and can also describe someone who is careless."),
    ("en", "Translate \"Thank you for your help\" into Chinese.",
     "“谢谢你的帮助。” (Xièxie nǐ de bāngzhù.) A more formal version is “感谢您的帮助。”"),
    ("en", "How do you say \"Happy birthday\" in Chinese?",
     "“生日快乐！” (Shēngrì kuàilè!)"),
    ("en", "What does the Chinese proverb \"yi cun guang yin yi cun jin\" mean in English?",
     "“一寸光阴一寸金” literally means \"an inch of time is an inch of gold\". "
     "It says that time is precious and should not be wasted, much like the English saying \"time is money\"."),
    ("en", "What is the Chinese word for \"computer\"?",
     "The everyday word is “电脑” (diànnǎo), literally \"electric brain\". "
     "The more formal or technical word is “计算机” (jìsuànjī)."),

    # English: history and geography
    ("en", "What is the largest desert in the world?",
     "If cold deserts are included, it is the Antarctic Desert, at about 14 million square kilometres. "
     "The largest hot desert is the Sahara in northern Africa, at about 9 million square kilometres."),
    ("en", "What are the seven continents?",
     "Africa, Antarctica, Asia, Australia (often called Oceania), Europe, North America and South America. "
     "Asia is the largest, both in area and in population."),
    ("en", "Why were the pyramids of Giza built?",
     "They were built as tombs for kings (pharaohs) of ancient Egypt's Old Kingdom, mainly Khufu, "
     "Khafre and Menkaure, about 4,500 years ago. "
     "The Great Pyramid of Khufu was the tallest human-made structure in the world for more than 3,800 years."),
    ("en", "What was the Industrial Revolution?",
     "It was the shift from making goods by hand to making them with machines in factories, "
     "which began in Britain in the second half of the 18th century and spread to Europe and North America. "
     "Steam engines, textile mills and railways transformed work, "
     "and many people moved from the countryside to growing cities."),
    ("en", "What is the longest river in the world?",
     "The Nile in Africa is usually listed as the longest, at about 6,650 km, "
     "with the Amazon in South America a close second; some measurements put the Amazon ahead. "
     "The Amazon carries by far the most water of any river."),
    ("en", "What is the capital of Australia?",
     "Canberra, not Sydney. It was chosen as a compromise between rivals Sydney and Melbourne and was built as a "
     "planned capital city."),
    ("en", "Who built the Great Wall of China, and why?",
     "It was built over many centuries by different Chinese states and dynasties. "
     "After unifying China in 221 BC, Qin Shi Huang linked several earlier walls, "
     "and most of the well-preserved brick sections seen today date from the Ming dynasty. "
     "Its main purpose was to defend against raids from the north and to control movement and trade."),
    ("en", "What was the Renaissance?",
     "The Renaissance was a period of European cultural history, roughly from the 14th to the 17th century, "
     "that began in Italy. It revived interest in the learning of ancient Greece and Rome and produced artists "
     "such as Leonardo da Vinci and Michelangelo, while the printing press helped spread its new ideas."),

    # English: health and safety
    ("en", "What should I do if I cut my finger?",
     "Wash your hands, rinse the cut under clean running water, "
     "and press on it with a clean cloth for several minutes to stop the bleeding. "
     "Then cover it with a sterile bandage. "
     "See a doctor if the cut is deep or gaping, keeps bleeding after 10 minutes of pressure, "
     "was caused by something dirty or an animal bite, or shows signs of infection such as spreading redness, "
     "swelling or pus."),
    ("en", "How much exercise do adults need?",
     "Health guidelines such as the World Health Organization's recommend at least 150 to 300 minutes of moderate "
     "activity, such as brisk walking, or 75 to 150 minutes of vigorous activity each week, "
     "plus muscle-strengthening exercise on two or more days. "
     "If you have a health condition or have been inactive for a long time, "
     "check with a doctor before starting something strenuous."),
    ("en", "What should I do if someone is choking?",
     "If the person can cough, encourage them to keep coughing. "
     "If they cannot cough, speak or breathe, call the emergency number, "
     "then give up to 5 firm back blows between the shoulder blades followed by up to 5 abdominal thrusts, "
     "and repeat. If they become unresponsive, start CPR. "
     "Infants under one year need a different technique, so a first-aid course is worth taking."),
    ("en", "How can I tell if food has gone bad?",
     "Warning signs include mould, a slimy texture, an unusual colour, or a sour or off smell. "
     "Respect use-by dates, and eat cooked leftovers kept in the fridge within about 3 to 4 days. "
     "Some harmful bacteria do not change how food looks or smells, so when in doubt, throw it out, "
     "and never taste food to test it."),
    ("en", "How can I protect my skin from the sun?",
     "Use a broad-spectrum sunscreen of SPF 30 or higher, apply it generously, "
     "and reapply every two hours and after swimming or sweating. "
     "Seek shade around midday, and wear a hat, sunglasses and light clothing that covers your arms. "
     "See a doctor if a mole changes in size, shape or colour."),
    ("en", "What are the signs of dehydration?",
     "Common signs are thirst, dark yellow urine, urinating less often, a dry mouth, tiredness, "
     "headache and dizziness. Drink water regularly, especially in hot weather or during exercise. "
     "Get medical help quickly if someone is confused, faints or has not passed urine for many hours."),
    ("en", "How do I lift a heavy box safely?",
     "Stand close to the box with your feet shoulder-width apart, bend your knees rather than your back, "
     "and grip it firmly. Lift with your legs while keeping the box close to your body, "
     "and turn with your feet instead of twisting your back. "
     "If it is too heavy, ask someone to help or use a trolley."),

    # English: definitions
    ("en", "What is compound interest?",
     "Compound interest is interest earned on both the original amount and on the interest already added. "
     "For example, $1,000 at 5% a year compounded annually grows to 1,000 × 1.05² = $1,102.50 after two years, "
     "compared with $1,100 with simple interest."),
    ("en", "What is a metaphor?",
     "A metaphor is a figure of speech that describes something by saying it is something else, "
     "without using \"like\" or \"as\", for example \"Time is a thief.\" A simile makes the comparison with "
     "\"like\" or \"as\": \"He ran like the wind.\""),
    ("en", "What does \"opportunity cost\" mean?",
     "Opportunity cost is the value of the best alternative you give up when you make a choice. "
     "For example, if you spend Saturday studying instead of working a shift, "
     "the opportunity cost is the pay you would have earned."),
    ("en", "What is an ecosystem?",
     "An ecosystem is a community of living things, such as plants, animals and microbes, "
     "together with the non-living environment they interact with, such as water, soil, air and sunlight. "
     "Forests, ponds and coral reefs are examples. "
     "Energy flows from producers like plants to consumers and decomposers."),
    ("en", "What is a prime number?",
     "A prime number is a whole number greater than 1 whose only divisors are 1 and itself, such as 2, 3, 5, 7, "
     "11 and 13. 2 is the only even prime, and 1 is not considered prime."),
    ("en", "What does \"carbon footprint\" mean?",
     "A carbon footprint is the total amount of greenhouse gases, usually expressed as carbon dioxide equivalent, "
     "released directly and indirectly by a person, organisation, event or product."),
]


def general_records(languages: str = "both") -> list[dict[str, Any]]:
    """The library's pairs as XTuner conversation records, ``{"conversation": [{"input", "output"}]}``.

    ``languages`` is "zh", "en" or "both"; anything else raises ValueError. Records come in the
    order of :data:`PAIRS`, each a new dict, so callers may change them freely.
    """
    if languages == "both":
        wanted = set(LANGUAGES)
    elif languages in LANGUAGES:
        wanted = {languages}
    else:
        raise ValueError(f'languages must be "zh", "en" or "both", not {languages!r}')
    return [{"conversation": [{"input": q, "output": a}]} for lang, q, a in PAIRS if lang in wanted]
