//! Tests of the engine: the pool and its futures, grain planning, and the executor
//! against the sequential one. Trees are built by hand (in post-order, as the parser lowers
//! them), so these tests depend on no grammar.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;

use crate::ast::{Ast, Node, NodeId};
use crate::engine::grain::{NO_TASK, Plan};
use crate::engine::{
    self, CancelFlag, EvalOptions, Evaluation, Grain, MAX_WORKERS, Policy, Pool, check_workers,
    sequential,
};
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::ops::{BinaryOp, Builtin, UnaryOp};
use crate::span::Span;
use crate::trace::{Ending, TaskOutcome};

/// One step of a program in reverse Polish notation, which is exactly a post-order arena.
#[derive(Clone, Debug)]
enum Step {
    Int(i64),
    Float(f64),
    Name(u32),
    Unary(UnaryOp),
    Binary(BinaryOp),
    Call(Builtin, u32),
}

/// Builds an arena from steps. A step without enough operands on the stack is skipped, and
/// what is left on the stack at the end is summed, so every list of steps gives a valid tree.
/// Spans are synthetic: node `i`'s operator span is `i..i + 1`, so a span names its node.
fn build(steps: &[Step]) -> Ast {
    let mut ast = Ast::default();
    let mut stack: Vec<NodeId> = Vec::new();
    for step in steps {
        let (node, n_operands) = match step {
            Step::Int(i) => (Node::SmallInt(*i), 0),
            Step::Float(x) => (Node::Float(*x), 0),
            Step::Name(index) => (Node::Name(*index), 0),
            Step::Unary(op) => (
                Node::Unary {
                    op: *op,
                    operand: NodeId(0),
                },
                1,
            ),
            Step::Binary(op) => (
                Node::Binary {
                    op: *op,
                    lhs: NodeId(0),
                    rhs: NodeId(0),
                },
                2,
            ),
            Step::Call(func, n_args) => (
                Node::Call {
                    func: *func,
                    args_start: 0,
                    n_args: *n_args,
                },
                *n_args as usize,
            ),
        };
        if stack.len() < n_operands {
            continue;
        }
        let operands = stack.split_off(stack.len() - n_operands);
        stack.push(push(&mut ast, node, &operands));
    }
    if stack.is_empty() {
        stack.push(push(&mut ast, Node::SmallInt(1), &[]));
    }
    while stack.len() > 1 {
        let operands = stack.split_off(stack.len() - 2);
        let node = Node::Binary {
            op: BinaryOp::Add,
            lhs: NodeId(0),
            rhs: NodeId(0),
        };
        stack.push(push(&mut ast, node, &operands));
    }
    ast
}

/// Appends `node` with `operands` (ids of earlier nodes) and returns its id.
fn push(ast: &mut Ast, mut node: Node, operands: &[NodeId]) -> NodeId {
    match &mut node {
        Node::Unary { operand, .. } => *operand = operands[0],
        Node::Binary { lhs, rhs, .. } => {
            *lhs = operands[0];
            *rhs = operands[1];
        }
        Node::Call { args_start, .. } => {
            *args_start = ast.call_args.len() as u32;
            ast.call_args.extend_from_slice(operands);
        }
        _ => {}
    }
    let id = ast.nodes.len();
    let subtree_len: u32 = 1 + operands
        .iter()
        .map(|operand| ast.subtree_len[operand.index()])
        .sum::<u32>();
    let span = Span::new(id + 1 - subtree_len as usize, id + 1);
    ast.push(node, span, Span::new(id, id + 1), subtree_len)
}

fn int(i: i64) -> Step {
    Step::Int(i)
}

fn bin(op: BinaryOp) -> Step {
    Step::Binary(op)
}

/// `(3 + 7) * (2 + 8) * ((2 * 3) - 1)`, the course example: 6 operators.
fn course_example() -> Ast {
    use BinaryOp::*;
    build(&[
        int(3),
        int(7),
        bin(Add),
        int(2),
        int(8),
        bin(Add),
        bin(Mul),
        int(2),
        int(3),
        bin(Mul),
        int(1),
        bin(Sub),
        bin(Mul),
    ])
}

/// A balanced tree of `n_leaves` small ints joined by alternating `+` and `-`.
fn balanced(n_leaves: usize) -> Ast {
    let mut steps = Vec::with_capacity(2 * n_leaves);
    for leaf in 0..n_leaves {
        steps.push(int((leaf % 7) as i64));
        let mut size = leaf + 1;
        let mut level = 0;
        while size % 2 == 0 {
            steps.push(bin(if level % 2 == 0 {
                BinaryOp::Add
            } else {
                BinaryOp::Sub
            }));
            size /= 2;
            level += 1;
        }
    }
    build(&steps)
}

/// `1 + 1 + 1 + …` nested to the left, `n_ops` operators deep.
fn chain(n_ops: usize) -> Ast {
    let mut steps = vec![int(1)];
    for _ in 0..n_ops {
        steps.push(int(1));
        steps.push(bin(BinaryOp::Add));
    }
    build(&steps)
}

fn source_for(ast: &Ast) -> Arc<str> {
    Arc::from(".".repeat(ast.len()))
}

fn run(pool: &Pool, ast: &Ast, options: &EvalOptions) -> Evaluation {
    run_with_env(pool, ast, &[], options)
}

fn run_with_env(pool: &Pool, ast: &Ast, env: &[Value], options: &EvalOptions) -> Evaluation {
    let source = source_for(ast);
    let ast = Arc::new(ast.clone());
    let env: Arc<[Value]> = Arc::from(env);
    engine::evaluate(pool, &ast, &env, &source, options)
}

fn options(grain: Grain, limits: Limits) -> EvalOptions {
    EvalOptions {
        grain,
        limits,
        ..EvalOptions::default()
    }
}

/// Values compared by their printed form, so `nan` equals `nan`.
fn same_outcome(left: &Result<Value, Error>, right: &Result<Value, Error>) -> bool {
    match (left, right) {
        (Ok(a), Ok(b)) => format!("{a:?}") == format!("{b:?}"),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

const TEST_WORKERS: [usize; 4] = [1, 2, 3, 8];
const TEST_GRAINS: [Grain; 3] = [Grain::Fixed(1), Grain::Fixed(4), Grain::Auto];

/// One pool per tested size, shared by all cases.
fn test_pools() -> &'static [Pool] {
    static POOLS: OnceLock<Vec<Pool>> = OnceLock::new();
    POOLS.get_or_init(|| {
        TEST_WORKERS
            .iter()
            .map(|&n| Pool::new(n).unwrap())
            .collect()
    })
}

/// Small limits keep random towers of powers quick.
fn test_limits() -> Limits {
    Limits {
        max_bits: 1 << 16,
        ..Limits::default()
    }
}

#[track_caller]
fn check_parallel_matches_sequential(ast: &Ast) {
    let limits = test_limits();
    let expected = sequential::evaluate(ast, &[], &limits);
    for pool in test_pools() {
        for (grain, policy) in TEST_GRAINS.into_iter().zip(Policy::ALL.into_iter().cycle()) {
            let options = EvalOptions {
                policy,
                ..options(grain, limits)
            };
            let evaluation = run(pool, ast, &options);
            assert!(
                same_outcome(&evaluation.result, &expected),
                "{} workers, {grain:?}, {policy:?}: parallel {:?}, sequential {expected:?}",
                pool.n_workers(),
                evaluation.result,
            );
            check_trace_shape(ast, &evaluation);
        }
    }
}

/// Invariants every trace holds, whatever the schedule.
#[track_caller]
fn check_trace_shape(ast: &Ast, evaluation: &Evaluation) {
    let trace = &evaluation.trace;
    let n_ops = (0..ast.len())
        .filter(|&i| !ast.is_leaf(NodeId(i as u32)))
        .count();
    let total: u32 = trace.tasks.iter().map(|task| task.n_nodes).sum();
    assert_eq!(
        total as usize, n_ops,
        "every operator is in exactly one task"
    );
    if let Some(last) = trace.tasks.last() {
        assert_eq!(last.root, ast.root());
    }
    for (index, task) in trace.tasks.iter().enumerate() {
        assert!(task.ready_ns <= task.start_ns && task.start_ns <= task.end_ns);
        assert!((task.worker as usize) < trace.n_workers);
        for &dep in trace.deps(index) {
            assert!((dep as usize) < index, "operand tasks come first");
            assert!(trace.tasks[dep as usize].end_ns <= task.start_ns);
        }
    }
    if let Ok(value) = &evaluation.result {
        let last = trace.tasks.len().checked_sub(1);
        if let Some(last) = last {
            // By their text: a NaN is not equal to itself.
            assert_eq!(
                format!("{:?}", trace.value(last)),
                format!("{:?}", Some(value))
            );
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    use BinaryOp::*;
    prop_oneof![
        6 => (-4i64..6).prop_map(Step::Int),
        2 => prop_oneof![Just(0.0), Just(0.5), Just(-2.5), Just(3.0), Just(1e300)]
            .prop_map(Step::Float),
        1 => prop_oneof![Just(UnaryOp::Neg), Just(UnaryOp::Plus)].prop_map(Step::Unary),
        8 => prop_oneof![
            Just(Add), Just(Sub), Just(Mul), Just(Div), Just(FloorDiv), Just(Mod), Just(Pow)
        ]
        .prop_map(Step::Binary),
        1 => prop_oneof![
            Just((Builtin::Abs, 1)),
            Just((Builtin::Sqrt, 1)),
            Just((Builtin::Factorial, 1)),
            Just((Builtin::Min, 3)),
            Just((Builtin::Max, 2)),
            Just((Builtin::Gcd, 0)),
            Just((Builtin::Lcm, 2)),
        ]
        .prop_map(|(func, n_args)| Step::Call(func, n_args)),
    ]
}

/// Mostly additions and subtractions: large trees that mostly succeed, so grouped tasks
/// (automatic grain) are exercised on values, not only on errors.
fn cheap_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (-4i64..6).prop_map(Step::Int),
        4 => prop_oneof![Just(BinaryOp::Add), Just(BinaryOp::Sub)].prop_map(Step::Binary),
        1 => step(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn parallel_matches_sequential(steps in prop::collection::vec(step(), 1..80)) {
        check_parallel_matches_sequential(&build(&steps));
    }

    #[test]
    fn parallel_matches_sequential_on_large_trees(
        steps in prop::collection::vec(cheap_step(), 1000..3000)
    ) {
        check_parallel_matches_sequential(&build(&steps));
    }
}

#[track_caller]
fn check_value(ast: &Ast, n_workers: usize, grain: Grain, expected: &str) {
    let pool = Pool::new(n_workers).unwrap();
    let evaluation = run(&pool, ast, &options(grain, Limits::default()));
    match &evaluation.result {
        Ok(value) => assert_eq!(value.to_string(), expected),
        Err(error) => panic!("expected {expected}, got the error {error:?}"),
    }
    check_trace_shape(ast, &evaluation);
}

#[test]
fn evaluates_known_trees() {
    check_value(&course_example(), 1, Grain::Fixed(1), "500");
    check_value(&course_example(), 3, Grain::Auto, "500");
    check_value(&build(&[int(42)]), 2, Grain::Auto, "42");
    // 2^15 leaves of (i % 7), alternately added and subtracted level by level.
    let expected = sequential::evaluate(&balanced(1 << 15), &[], &Limits::default()).unwrap();
    for grain in [Grain::Fixed(1), Grain::Fixed(100), Grain::Auto] {
        check_value(&balanced(1 << 15), 2, grain, &expected.to_string());
    }
}

#[test]
fn one_worker_runs_a_deep_chain_without_deadlock_or_recursion() {
    check_value(&chain(200_000), 1, Grain::Fixed(1), "200001");
    check_value(&chain(200_000), 2, Grain::Auto, "200001");
}

#[track_caller]
fn check_plan(ast: &Ast, grain: u32, expected_ops: &[u32]) {
    let plan = Plan::build(ast, grain);
    assert_eq!(plan.n_ops, expected_ops);
    for task in 0..plan.n_tasks() {
        for &dep in plan.deps(task) {
            assert_eq!(plan.parent[dep as usize], task as u32);
        }
        assert!(plan.deps(task).windows(2).all(|pair| pair[0] < pair[1]));
    }
    let roots: Vec<usize> = (0..plan.n_tasks())
        .filter(|&task| plan.parent[task] == NO_TASK)
        .collect();
    assert!(roots.len() <= 1, "one task has no consumer");
}

#[test]
fn grain_groups_operators_into_connected_tasks() {
    check_plan(&build(&[int(1)]), 1, &[]);
    check_plan(&course_example(), 1, &[1; 6]);
    // The greedy cut closes the heavier operand first: `(3+7)*(2+8)` (3 operators) becomes a
    // task, `(2*3)-1` joins the root.
    check_plan(&course_example(), 3, &[3, 3]);
    check_plan(&course_example(), 6, &[6]);
    // A chain of 10 operators at grain 4: three tasks, not ten.
    check_plan(&chain(10), 4, &[4, 4, 2]);
    check_plan(&balanced(8), 1, &[1; 7]);
}

#[test]
fn automatic_grain_is_fine_for_small_trees_and_with_a_delay() {
    use crate::engine::grain::choose;
    assert_eq!(choose(Grain::Auto, 6, 4, Duration::ZERO), 1);
    assert_eq!(
        choose(Grain::Auto, 1_000_000, 2, Duration::from_millis(1)),
        1
    );
    assert_eq!(choose(Grain::Auto, 1_000_000, 2, Duration::ZERO), 31_250);
    assert_eq!(choose(Grain::Fixed(0), 10, 2, Duration::ZERO), 1);
    assert_eq!(choose(Grain::Fixed(7), 10, 2, Duration::ZERO), 7);
}

/// The course example on 3 workers with a delay: its trace says what every schedule must,
/// whichever workers the pool happens to wake. No worker runs two tasks at once, an operand's
/// task ends before its consumer's starts, every task sleeps its delay, no task runs outside
/// the pool's lanes, and the wall time respects the work–span lower bounds. Which worker runs
/// which task is the scheduler's choice and is not asserted: a picture of three busy lanes is
/// drawn from a hand-written trace in the render tests.
#[test]
fn course_example_trace_with_delay() {
    use crate::trace::analysis::analyze;
    const DELAY: Duration = Duration::from_millis(50);
    let ast = course_example();
    let pool = Pool::new(3).unwrap();
    let options = EvalOptions {
        delay: DELAY,
        ..EvalOptions::default()
    };
    let evaluation = run(&pool, &ast, &options);
    assert_eq!(
        evaluation.result.as_ref().map(Value::to_string),
        Ok("500".into())
    );
    check_trace_shape(&ast, &evaluation);
    let trace = &evaluation.trace;
    assert_eq!(trace.tasks.len(), 6);
    assert_eq!(
        trace.n_lanes(),
        3,
        "no task outside the pool: {:?}",
        trace.tasks
    );
    for (a, first) in trace.tasks.iter().enumerate() {
        for second in &trace.tasks[a + 1..] {
            if first.worker == second.worker {
                let disjoint = first.end_ns <= second.start_ns || second.end_ns <= first.start_ns;
                assert!(
                    disjoint,
                    "tasks overlap on one worker: {first:?} {second:?}"
                );
            }
        }
    }
    let delay_ns = DELAY.as_nanos() as u64;
    for (index, task) in trace.tasks.iter().enumerate() {
        assert_eq!(task.n_nodes, 1);
        assert!(task.end_ns - task.start_ns >= delay_ns, "{task:?}");
        for &dep in trace.deps(index) {
            assert!(trace.tasks[dep as usize].end_ns <= task.start_ns);
        }
    }
    // Tasks in post-order: `3 + 7`, `2 + 8`, their product, `2 * 3`, `6 - 1`, the root.
    let deps: Vec<&[u32]> = (0..6).map(|task| trace.deps(task)).collect();
    assert_eq!(deps, [&[][..], &[], &[0, 1], &[], &[3], &[2, 4]]);
    let values: Vec<String> = (0..6)
        .map(|task| trace.value(task).map_or("none".into(), Value::to_string))
        .collect();
    assert_eq!(values, ["10", "10", "100", "6", "5", "500"]);
    // Any schedule: work W ≥ 6 delays, span S ≥ 3 delays, and wall ≥ max(S, W / 3).
    let analysis = analyze(trace);
    assert!(analysis.work_ns >= 6 * delay_ns, "{analysis:?}");
    assert!(analysis.span_ns >= 3 * delay_ns, "{analysis:?}");
    assert!(trace.wall_ns >= analysis.span_ns, "{analysis:?}");
    assert!(3 * trace.wall_ns >= analysis.work_ns, "{analysis:?}");
}

/// The error reported is the first failing node in arena order, as the sequential evaluator
/// reports it, whichever task fails first in time.
#[test]
fn first_error_in_arena_order_wins() {
    use BinaryOp::*;
    // `(1 // 0) + (a long chain) * (2 % 0)`: both fail; `//` comes first in the arena.
    let mut steps = vec![int(1), int(0), bin(FloorDiv)];
    steps.extend((0..500).flat_map(|_| [int(1), bin(Add)]));
    steps.extend([int(2), int(0), bin(Mod), bin(Mul), bin(Add)]);
    let ast = build(&steps);
    let expected = sequential::evaluate(&ast, &[], &Limits::default());
    assert!(expected.is_err());
    for pool in test_pools() {
        for grain in TEST_GRAINS {
            let evaluation = run(pool, &ast, &options(grain, Limits::default()));
            assert_eq!(evaluation.result, expected.clone(), "{grain:?}");
        }
    }
}

/// `(1 + 2) * (3 / 0) + (4 * 5)` in post-order: tasks `1 + 2`, `3 / 0`, their product,
/// `4 * 5`, the root.
fn failing_example() -> Ast {
    use BinaryOp::*;
    build(&[
        int(1),
        int(2),
        bin(Add),
        int(3),
        int(0),
        bin(Div),
        bin(Mul),
        int(4),
        int(5),
        bin(Mul),
        bin(Add),
    ])
}

#[test]
fn the_trace_says_which_task_failed_and_which_never_ran() {
    for pool in test_pools() {
        for policy in Policy::ALL {
            let options = EvalOptions {
                policy,
                ..options(Grain::Fixed(1), Limits::default())
            };
            let evaluation = run(pool, &failing_example(), &options);
            assert!(evaluation.result.is_err());
            let trace = &evaluation.trace;
            let outcomes: Vec<TaskOutcome> = trace.tasks.iter().map(|task| task.outcome).collect();
            let context = format!("{} workers, {policy:?}: {outcomes:?}", pool.n_workers());
            // `1 + 2` comes before the failure and always runs; `3 / 0` fails; the tasks above
            // it never start. `4 * 5` runs or not, depending on when it is reached.
            assert_eq!(outcomes[0], TaskOutcome::Ran, "{context}");
            assert_eq!(outcomes[1], TaskOutcome::Failed, "{context}");
            assert_eq!(outcomes[2], TaskOutcome::NotRun, "{context}");
            assert_eq!(outcomes[4], TaskOutcome::NotRun, "{context}");
            assert!(
                matches!(outcomes[3], TaskOutcome::Ran | TaskOutcome::NotRun),
                "{context}"
            );
            assert!(
                matches!(&trace.ending, Ending::Failed { task: 1, node, .. } if node.0 == 5),
                "{context}: {:?}",
                trace.ending
            );
            for task in &trace.tasks {
                if task.outcome == TaskOutcome::NotRun {
                    assert_eq!(task.start_ns, task.end_ns, "{context}");
                }
            }
        }
    }
}

#[test]
fn the_trace_records_the_settings_it_ran_with() {
    let pool = Pool::new(2).unwrap();
    let options = EvalOptions {
        delay: Duration::from_millis(1),
        policy: Policy::Fifo,
        ..EvalOptions::default()
    };
    let trace = run(&pool, &course_example(), &options).trace;
    assert_eq!(trace.n_workers, 2);
    assert_eq!(trace.context.delay, Duration::from_millis(1));
    assert_eq!(trace.context.grain, Grain::Auto);
    assert_eq!(trace.context.grain_used, 1);
    assert_eq!(trace.context.policy, Policy::Fifo);
    assert_eq!(trace.ending, Ending::Finished);
    assert_eq!(trace.count(TaskOutcome::Ran), 6);
    let trace = run(&pool, &balanced(1 << 12), &EvalOptions::default()).trace;
    assert_eq!(
        trace.context.grain_used, 128,
        "4,095 operators on 2 workers"
    );
}

/// `(5 * 6) + (((1 + 2) * 3) - 4)`: a short branch and a long one.
fn lopsided() -> Ast {
    use BinaryOp::*;
    build(&[
        int(5),
        int(6),
        bin(Mul),
        int(1),
        int(2),
        bin(Add),
        int(3),
        bin(Mul),
        int(4),
        bin(Sub),
        bin(Add),
    ])
}

/// The tasks of `ast` in the order one worker started them under `policy`.
fn order_on_one_worker(ast: &Ast, policy: Policy) -> Vec<u32> {
    let pool = Pool::new(1).unwrap();
    let options = EvalOptions {
        delay: Duration::from_millis(1),
        policy,
        ..EvalOptions::default()
    };
    let evaluation = run(&pool, ast, &options);
    assert!(evaluation.result.is_ok());
    let mut order: Vec<(u64, u32)> = evaluation
        .trace
        .tasks
        .iter()
        .map(|task| (task.start_ns, task.root.0))
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, node)| node).collect()
}

#[test]
fn fifo_runs_tasks_in_the_order_they_became_ready() {
    // `5 * 6` and `1 + 2` are ready at once, in that order; then `* 3`, `- 4`, the root.
    assert_eq!(
        order_on_one_worker(&lopsided(), Policy::Fifo),
        [2, 5, 7, 9, 10]
    );
    // The course example: the three ready tasks, then `(3 + 7) * (2 + 8)`, which became ready
    // before `(2 * 3) - 1`.
    assert_eq!(
        order_on_one_worker(&course_example(), Policy::Fifo),
        [2, 5, 9, 6, 11, 12]
    );
}

#[test]
fn critical_path_runs_the_highest_level_first() {
    // The long branch first: `1 + 2` is four tasks from the end, `5 * 6` two.
    assert_eq!(
        order_on_one_worker(&lopsided(), Policy::CriticalPath),
        [5, 7, 2, 9, 10]
    );
}

#[test]
fn levels_count_operators_to_the_root() {
    use crate::engine::executor::block::Graph;
    use crate::engine::grain::Plan;
    let levels = |plan: &Plan| {
        Graph::take_from(&mut plan.clone())
            .levels(|task| plan.n_ops[task])
            .to_vec()
    };
    assert_eq!(levels(&Plan::build(&lopsided(), 1)), [2, 4, 3, 2, 1]);
    assert_eq!(levels(&Plan::build(&chain(10), 4)), [10, 6, 2]);
}

#[test]
fn cancel_flag_stops_an_evaluation() {
    let pool = Pool::new(2).unwrap();
    let options = EvalOptions {
        delay: Duration::from_secs(1),
        ..EvalOptions::default()
    };
    let evaluation = cancelled_after_50_ms(&pool, &balanced(64), &options);
    let trace = &evaluation.trace;
    assert_eq!(trace.tasks.len(), 63);
    let skipped = (0..trace.tasks.len())
        .filter(|&task| trace.value(task).is_none())
        .count();
    assert!(skipped > 0, "tasks not yet started are skipped");
    assert_eq!(trace.ending, Ending::Cancelled);
    assert!(trace.count(TaskOutcome::NotRun) > 0, "{:?}", trace.tasks);
    assert_eq!(trace.count(TaskOutcome::Running), 0);
    for (index, task) in trace.tasks.iter().enumerate() {
        assert_eq!(
            task.outcome == TaskOutcome::Ran,
            trace.value(index).is_some(),
            "{task:?}"
        );
    }

    // A flag already set cancels before any task runs.
    let evaluation = run(&pool, &course_example(), &options);
    assert_eq!(
        evaluation.result.map_err(|error| error.kind),
        Err(ErrorKind::Cancelled)
    );
    assert!((0..6).all(|task| evaluation.trace.value(task).is_none()));
    assert_eq!(evaluation.trace.count(TaskOutcome::NotRun), 6);
}

#[test]
fn a_panic_in_a_task_is_an_error_and_the_pool_survives() {
    let pool = Pool::new(2).unwrap();
    let future = pool.submit(|| -> u32 { panic!("boom") });
    let error = future.result().unwrap_err();
    assert!(
        matches!(&error.kind, ErrorKind::Internal(message) if message.contains("boom")),
        "{error:?}"
    );
    assert_eq!(pool.submit(|| 6 * 7).result(), Ok(42));

    // A name outside the environment makes `eval_node` index out of bounds: the
    // executor reports it at that node and carries on.
    let ast = build(&[
        int(1),
        Step::Name(3),
        bin(BinaryOp::Add),
        int(2),
        bin(BinaryOp::Mul),
    ]);
    let evaluation = run(&pool, &ast, &options(Grain::Fixed(1), Limits::default()));
    let error = evaluation.result.unwrap_err();
    assert!(matches!(error.kind, ErrorKind::Internal(_)), "{error:?}");
    assert_eq!(error.span, Span::new(1, 2), "the span of the failing node");
    check_value(&course_example(), 2, Grain::Fixed(1), "500");
}

#[test]
fn names_take_their_values_from_the_environment() {
    let ast = build(&[Step::Name(0), Step::Name(1), bin(BinaryOp::Mul)]);
    let pool = Pool::new(2).unwrap();
    let env = [Value::Int(6.into()), Value::Int(7.into())];
    let evaluation = run_with_env(&pool, &ast, &env, &EvalOptions::default());
    assert_eq!(evaluation.result, Ok(Value::Int(42.into())));
}

#[test]
fn future_reports_when_it_is_done() {
    let pool = Pool::new(1).unwrap();
    let (sender, receiver) = std::sync::mpsc::channel::<()>();
    let future = pool.submit(move || receiver.recv().is_ok());
    assert!(!future.is_done());
    sender.send(()).unwrap();
    assert_eq!(future.result(), Ok(true));
}

/// The limits are checked before any thread starts, so the largest size is checked without
/// starting [`MAX_WORKERS`] threads in a process that other tests share.
#[test]
fn pool_size_is_checked() {
    assert!(check_workers(1).is_ok());
    assert!(check_workers(MAX_WORKERS).is_ok());
    for bad in [0, MAX_WORKERS + 1] {
        let error = check_workers(bad).unwrap_err();
        assert!(matches!(error.kind, ErrorKind::Workers { .. }), "{error:?}");
        let error = Pool::new(bad).unwrap_err();
        assert!(matches!(error.kind, ErrorKind::Workers { .. }), "{error:?}");
    }
    let mut pool = Pool::new(2).unwrap();
    assert!(pool.resize(0).is_err());
    assert!(pool.resize(MAX_WORKERS + 1).is_err());
    assert_eq!(pool.n_workers(), 2, "a failed resize keeps the pool");
    assert_eq!(pool.submit(|| 1).result(), Ok(1));
    pool.resize(3).unwrap();
    assert_eq!(pool.n_workers(), 3);
    assert_eq!(pool.submit(|| 2).result(), Ok(2));
}

/// Resizing drops the old pool: once an evaluation has returned, nothing of it (no job, no
/// shared state) still holds a handle to the pool it ran on, so a replaced pool's threads are
/// told to exit (rayon ends a dropped pool's threads once they are idle). Checked through the
/// handle's reference count rather than by counting the process's threads, which other tests
/// start and stop at the same time.
#[test]
fn resizing_releases_the_old_pool() {
    let mut pool = Pool::new(1).unwrap();
    for round in 0..200 {
        let evaluation = run(&pool, &course_example(), &EvalOptions::default());
        assert!(evaluation.result.is_ok());
        let old = Arc::downgrade(pool.threads());
        pool.resize(1 + round % 4).unwrap();
        assert!(
            old.upgrade().is_none(),
            "round {round}: the old pool is still held"
        );
    }
    // Also after an evaluation that failed and one whose trace is assembled on the pool.
    let failing = build(&[int(1), int(0), bin(BinaryOp::FloorDiv)]);
    let large = balanced(1 << 14);
    for ast in [failing, large] {
        let evaluation = run(&pool, &ast, &options(Grain::Fixed(1), Limits::default()));
        drop(evaluation);
        let old = Arc::downgrade(pool.threads());
        pool.resize(2).unwrap();
        assert!(old.upgrade().is_none(), "the old pool is still held");
    }
}

/// A statement's tree, parsed: reductions are easiest written as text.
fn parsed(source: &str) -> Ast {
    crate::syntax::parse_statement(source)
        .unwrap()
        .unwrap()
        .expr
}

/// Sequential and parallel evaluations of reductions, over pools, grains and element types
/// (float sums are order-sensitive: the parallel fold must keep Python's order).
#[test]
fn reductions_match_the_sequential_fold() {
    let sources = [
        "sum(k * k for k in range(100))",
        "sum(k * k % 7 for k in range(3000))",
        "sum(1 / (k + 1) for k in range(2000))",
        "sum(0.1 for k in range(1000)) + prod(1 + k / 1000 for k in range(700))",
        "sum(2 ^ (k - 900) for k in range(1000))",
        "sum(1e16 * (k % 3) + k for k in range(10))",
        "max(k * (-1) ^ k for k in range(999)) - min(k % 13 for k in range(1, 999))",
        "max((1e308 * 10 - 1e308 * 10) * (k % 2) + k for k in range(500))",
        "prod(range(1, 600)) // prod(range(1, 598))",
        "sum(range(-10 ^ 20, 10 ^ 20, 3 ^ 30)) + sum(range(10 ^ 5))",
        "sum(sum(j for j in range(k)) for k in range(60))",
        "sum(1 // (k - 700) for k in range(1000))",
        "min(k for k in range(0))",
        "sum(k for k in range(10)) + (1 + 2) * (3 + 4)",
        "sum(1 // (k - 5) for k in range(10)) + 1 // 0",
        "1 // 0 + sum(k for k in range(100))",
    ];
    let limits = Limits::default();
    for source in sources {
        let ast = parsed(source);
        let expected = sequential::evaluate(&ast, &[], &limits);
        for pool in test_pools() {
            for grain in TEST_GRAINS {
                for policy in Policy::ALL {
                    let options = EvalOptions {
                        policy,
                        ..options(grain, limits)
                    };
                    let evaluation = run(pool, &ast, &options);
                    assert!(
                        same_outcome(&evaluation.result, &expected),
                        "{source} on {} workers, {grain:?}, {policy:?}: parallel {:?}, \
                         sequential {expected:?}",
                        pool.n_workers(),
                        evaluation.result,
                    );
                }
            }
        }
    }
}

/// A reduction cut into chunks: one map task per chunk, a tree of combines, the reduction's
/// own task last with the value; every task after its operands.
#[test]
fn a_reduction_is_a_tree_of_tasks_in_the_trace() {
    let ast = parsed("sum(k * k for k in range(8))");
    let pool = Pool::new(4).unwrap();
    let evaluation = run(&pool, &ast, &options(Grain::Fixed(1), Limits::default()));
    assert_eq!(evaluation.result, Ok(Value::Int(140.into())));
    let trace = &evaluation.trace;
    let body = ast.reductions[0].body.unwrap();
    let maps: Vec<usize> = (0..trace.tasks.len())
        .filter(|&task| trace.tasks[task].root == body)
        .collect();
    assert_eq!(maps.len(), 8, "one map task per element at grain 1");
    assert_eq!(trace.tasks.len(), 8 + 7, "8 maps and 7 combines");
    for (index, task) in trace.tasks.iter().enumerate() {
        for &dep in trace.deps(index) {
            assert!((dep as usize) < index);
            assert!(trace.tasks[dep as usize].end_ns <= task.start_ns);
        }
        let n_deps = trace.deps(index).len();
        assert_eq!(n_deps, if maps.contains(&index) { 0 } else { 2 });
    }
    let mut values: Vec<String> = maps
        .iter()
        .map(|&task| trace.value(task).unwrap().to_string())
        .collect();
    values.sort_by_key(|value| value.parse::<u32>().unwrap());
    assert_eq!(values, ["0", "1", "4", "9", "16", "25", "36", "49"]);
    assert_eq!(
        trace.value(trace.tasks.len() - 1),
        Some(&Value::Int(140.into()))
    );
}

/// Evaluates `ast` on `pool` with `options`, whose cancel flag is set 50 ms in, checks that
/// the evaluation ends cancelled, and returns it.
#[track_caller]
fn cancelled_after_50_ms(pool: &Pool, ast: &Ast, options: &EvalOptions) -> Evaluation {
    let canceller = {
        let cancel = options.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        })
    };
    let evaluation = run(pool, ast, options);
    canceller.join().unwrap();
    assert_eq!(
        evaluation
            .result
            .as_ref()
            .map_err(|error| error.kind.clone()),
        Err(ErrorKind::Cancelled)
    );
    evaluation
}

/// [`cancelled_after_50_ms`] of `source` on 2 workers, without a delay.
#[track_caller]
fn assert_cancelled_after_50_ms(source: &str) {
    let pool = Pool::new(2).unwrap();
    cancelled_after_50_ms(&pool, &parsed(source), &EvalOptions::default());
}

#[test]
fn cancel_flag_stops_a_long_reduction() {
    assert_cancelled_after_50_ms("sum(k for k in range(10 ^ 12))");
}

#[test]
fn the_first_failing_element_stops_the_other_chunks() {
    // Element 10^6 divides by zero; without stopping, the other chunks would run for minutes.
    let ast = parsed("sum(1 // (k - 10 ^ 6) for k in range(10 ^ 12))");
    let pool = Pool::new(2).unwrap();
    let evaluation = run(&pool, &ast, &EvalOptions::default());
    assert!(matches!(
        evaluation.result.map_err(|error| error.kind),
        Err(ErrorKind::Num(crate::error::NumError::ZeroDivision(_)))
    ));
}

#[test]
fn cancel_flag_stops_a_nested_reduction() {
    assert_cancelled_after_50_ms("sum(sum(j for j in range(10 ^ 12)) for k in range(4))");
}

#[test]
fn an_error_beside_a_nested_reduction_is_reported_not_a_cancellation() {
    // Chunk 0 fails at once; the other chunks' inner folds stop and must not hide the error.
    let ast = parsed("sum(1 // k + sum(j for j in range(10 ^ 12)) for k in range(4))");
    let pool = Pool::new(2).unwrap();
    let options = options(Grain::Fixed(1), Limits::default());
    let evaluation = run(&pool, &ast, &options);
    assert!(
        matches!(
            evaluation.result.as_ref().map_err(|error| &error.kind),
            Err(ErrorKind::Num(crate::error::NumError::ZeroDivision(_)))
        ),
        "{:?}",
        evaluation.result
    );
}

/// A watched evaluation publishes its progress while it runs and withdraws it when it ends: a
/// snapshot taken during a (cancelled) evaluation of a minute shows its tasks running.
#[test]
fn a_watch_sees_the_evaluation_while_it_runs() {
    let pool = Pool::new(2).unwrap();
    let watch = engine::Watch::default();
    let cancel = CancelFlag::default();
    let options = EvalOptions {
        delay: Duration::from_secs(60),
        cancel: cancel.clone(),
        watch: Some(watch.clone()),
        ..EvalOptions::default()
    };
    let ast = course_example();
    let running = std::thread::spawn(move || run(&pool, &ast, &options));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let snapshot = loop {
        if let Some(snapshot) = watch.snapshot()
            && snapshot
                .trace
                .as_ref()
                .is_some_and(|trace| trace.tasks.len() == 2)
        {
            break snapshot;
        }
        assert!(std::time::Instant::now() < deadline, "no task started");
        std::thread::sleep(Duration::from_millis(1));
    };
    cancel.cancel();
    let evaluation = running.join().unwrap();
    assert_eq!(snapshot.n_tasks, 6);
    assert_eq!(snapshot.n_done, 0);
    let trace = snapshot.trace.unwrap();
    assert!(
        trace
            .tasks
            .iter()
            .all(|task| task.outcome == TaskOutcome::Running),
        "{trace:?}"
    );
    assert_eq!(evaluation.trace.ending, Ending::Cancelled);
    assert!(watch.snapshot().is_none());
}

/// A reduction's tree under every policy: its tasks in the trace beside the plan's, all ran;
/// a failing element's chunk is the failed task the ending names, and the tree's root, whose
/// operand has no value, never ran.
#[test]
fn a_reduction_under_every_policy_is_a_tree_and_its_failure_is_named() {
    let pool = Pool::new(2).unwrap();
    for policy in Policy::ALL {
        let options = EvalOptions {
            policy,
            ..options(Grain::Fixed(1), Limits::default())
        };
        let ast = parsed("sum(k * k for k in range(8)) + (1 + 2) * (3 + 4)");
        let evaluation = run(&pool, &ast, &options);
        assert_eq!(evaluation.result, Ok(Value::Int(161.into())), "{policy:?}");
        let trace = &evaluation.trace;
        // 8 maps, 7 combines (the last is the reduction's own record), 4 other plan tasks.
        assert_eq!(trace.tasks.len(), 8 + 7 + 4, "{policy:?}");
        assert!(
            trace
                .tasks
                .iter()
                .all(|task| task.outcome == TaskOutcome::Ran),
            "{policy:?}: {trace:?}"
        );
        let ast = parsed("sum(1 // (k - 3) for k in range(8))");
        let evaluation = run(&pool, &ast, &options);
        let trace = &evaluation.trace;
        let Ending::Failed { task, .. } = trace.ending else {
            panic!("{policy:?}: {:?}", trace.ending);
        };
        assert_eq!(trace.tasks[task].outcome, TaskOutcome::Failed, "{policy:?}");
        assert_eq!(trace.tasks[task].root, ast.reductions[0].body.unwrap());
        assert_eq!(
            trace.tasks.last().map(|task| task.outcome),
            Some(TaskOutcome::NotRun),
            "{policy:?}"
        );
    }
}
